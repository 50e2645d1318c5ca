"""Fill the Spanish catalog of the page (run after makemessages; msgfmt through compilemessages).

The page's msgids are English; this keeps the Spanish wording in one reviewed table, so that a
new makemessages run never loses it. Usage: python backup_restore/web/locale/fill_es.py
"""

import re
import sys
from pathlib import Path

ES = {
    "Restore from": "Restaurar desde",
    "A stored backup": "Una copia guardada",
    "A file from this computer": "Un archivo de este equipo",
    "Stored backup": "Copia guardada",
    "Backup file": "Archivo de copia",
    "Mode": "Modo",
    "Merge (combinar): keep what is there, add what is missing": "Combinar: conservar lo que hay y añadir lo que falta",
    "Replace (reemplazar): delete the shop's data, then restore the file": "Reemplazar: borrar los datos del taller y restaurar el archivo",
    "— choose —": "— elija —",
    "Choose a stored backup.": "Elija una copia guardada.",
    "Choose a file to upload.": "Elija un archivo para subir.",
    "Type the shop's name to confirm": "Escriba el nombre del taller para confirmar",
    "That is not the shop's name. Nothing was changed.": "Ese no es el nombre del taller. No se cambió nada.",
    "Make a backup every day": "Hacer una copia cada día",
    "Hour of the day (0–23)": "Hora del día (0–23)",
    "Time zone": "Zona horaria",
    "Daily backups to keep": "Copias diarias que se conservan",
    "Weekly backups to keep": "Copias semanales que se conservan",
    "Unknown time zone, e.g. America/La_Paz.": "Zona horaria desconocida; por ejemplo: America/La_Paz.",
    "The file is empty.": "El archivo está vacío.",
    "The file is not a backup of this system.": "El archivo no es una copia de seguridad de este sistema.",
    "The file is damaged: its compressed data cannot be read.": "El archivo está dañado: no se pueden leer sus datos comprimidos.",
    "The file contains text that is not valid UTF-8.": "El archivo contiene texto que no es UTF-8 válido.",
    "A line of the file is not valid JSON.": "Una línea del archivo no es JSON válido.",
    "A line of the file is longer than allowed.": "Una línea del archivo es más larga de lo permitido.",
    "A value of the file is nested too deeply.": "Un valor del archivo tiene demasiados niveles anidados.",
    "A number in the file is too long.": "Un número del archivo es demasiado largo.",
    "The file is larger than this server accepts.": "El archivo es más grande de lo que acepta este servidor.",
    "A line of the file holds too many values.": "Una línea del archivo contiene demasiados valores.",
    "The file is incomplete: it ends before its last record.": "El archivo está incompleto: termina antes de su último registro.",
    "The file's checksum does not match its content: it was changed or damaged.": "La suma de control del archivo no coincide con su contenido: fue modificado o está dañado.",
    "The number of rows in the file does not match its own count.": "El número de filas del archivo no coincide con su propio recuento.",
    "The file was made by a version this server cannot read.": "El archivo fue creado por una versión que este servidor no puede leer.",
    "The file's format is not the one it declares.": "El formato del archivo no es el que declara.",
    "The file's records are out of order.": "Los registros del archivo están desordenados.",
    "A row of the file has the wrong number of values.": "Una fila del archivo tiene un número incorrecto de valores.",
    "A section appears twice in the file.": "Una sección aparece dos veces en el archivo.",
    "The file names a section this system does not know.": "El archivo nombra una sección que este sistema no conoce.",
    "The file names a field this system does not know.": "El archivo nombra un campo que este sistema no conoce.",
    "A required field is missing from the file.": "Falta un campo obligatorio en el archivo.",
    "A value in the file is not valid.": "Un valor del archivo no es válido.",
    "Two rows of the file are the same record.": "Dos filas del archivo son el mismo registro.",
    "The database refused a row of the file.": "La base de datos rechazó una fila del archivo.",
    "The file is a backup of another shop.": "El archivo es una copia de otro taller.",
    "Another restore of this shop is running. Wait for it to finish.": "Otra restauración de este taller está en curso. Espere a que termine.",
    "The restore failed on the server. Nothing was changed.": "La restauración falló en el servidor. No se cambió nada.",
    "The database is busy. Try again in a moment.": "La base de datos está ocupada. Inténtelo de nuevo en un momento.",
    "The file is larger than this server accepts for a restore.": "El archivo es más grande de lo que este servidor acepta para una restauración.",
    "This type of file cannot be restored. Choose a .zst, .ndjson, .json or .gz backup.": "Este tipo de archivo no se puede restaurar. Elija una copia .zst, .ndjson, .json o .gz.",
    "Choose a stored backup or a file to upload.": "Elija una copia guardada o un archivo para subir.",
    "That backup does not exist in your shop.": "Esa copia no existe en su taller.",
    "That job has already ended.": "Esa tarea ya terminó.",
    "That backup is still running.": "Esa copia todavía está en curso.",
    "That backup is not ready yet.": "Esa copia todavía no está lista.",
    "The job was cancelled. Nothing was changed.": "La tarea fue cancelada. No se cambió nada.",
    "The process running the job stopped. Nothing was changed; start it again.": "El proceso que ejecutaba la tarea se detuvo. No se cambió nada; iníciela de nuevo.",
    "The stored backup does not match its checksum: it was damaged.": "La copia guardada no coincide con su suma de control: está dañada.",
    "The backup storage could not be reached. Try again later.": "No se pudo acceder al almacenamiento de copias. Inténtelo más tarde.",
    "A schedule setting is not valid.": "Un ajuste de la programación no es válido.",
    "Something went wrong.": "Algo salió mal.",
    "Only a successful dry run can be confirmed.": "Solo se puede confirmar una simulación que terminó bien.",
    "The uploaded file of this dry run is no longer kept: upload it again.": "El archivo subido para esta simulación ya no se conserva: súbalo de nuevo.",
    "Stored backups": "Copias guardadas",
    "Date": "Fecha",
    "By": "Por",
    "by": "por",
    "Size": "Tamaño",
    "Rows": "Filas",
    "State": "Estado",
    "Actions": "Acciones",
    "scheduled": "programada",
    "Download %(name)s": "Descargar %(name)s",
    "Download": "Descargar",
    "Restore": "Restaurar",
    "Delete the backup of %(date)s": "Eliminar la copia del %(date)s",
    "Delete": "Eliminar",
    "No backups yet.": "Todavía no hay copias.",
    "Line %(line)s": "Línea %(line)s",
    "Section %(section)s": "Sección %(section)s",
    "Details:": "Detalles:",
    "Backup": "Copia de seguridad",
    "Dry run of a restore": "Simulación de una restauración",
    "replace": "reemplazar",
    "merge": "combinar",
    "Progress": "Progreso",
    "%(done)s of %(total)s rows": "%(done)s de %(total)s filas",
    "Cancel": "Cancelar",
    "Backup ready: %(size)s, %(rows)s rows, verified.": "Copia lista: %(size)s, %(rows)s filas, verificada.",
    "Replace deletes this shop's data before restoring the file. Type <strong>%(shop)s</strong> to confirm.": "Reemplazar borra los datos de este taller antes de restaurar el archivo. Escriba <strong>%(shop)s</strong> para confirmar.",
    "Restore now": "Restaurar ahora",
    "Not now": "Ahora no",
    "The restore is done.": "La restauración terminó.",
    "What the restore would do": "Lo que haría la restauración",
    "What the restore did": "Lo que hizo la restauración",
    "Section": "Sección",
    "Rows created": "Creadas",
    "Matched": "Coincidentes",
    "Deleted": "Borradas",
    "Skipped": "Omitidas",
    "Total": "Total",
    "Warnings": "Advertencias",
    "No warnings.": "Sin advertencias.",
    "Backup and restore history": "Historial de copias y restauraciones",
    "When": "Cuándo",
    "Who": "Quién",
    "What": "Qué",
    "Outcome": "Resultado",
    "Error": "Error",
    "Nothing recorded yet.": "Todavía no hay registros.",
    "Backups": "Copias de seguridad",
    "Taller ERP": "Taller ERP",
    "Skip to the content": "Saltar al contenido",
    "Account and language": "Cuenta e idioma",
    "Language": "Idioma",
    "Change language": "Cambiar idioma",
    "Log out": "Cerrar sesión",
    "Not possible": "No es posible",
    "That could not be done": "No se pudo hacer",
    "Back to the backups": "Volver a las copias",
    "Not allowed": "No permitido",
    "You lack the right to manage backups": "No tiene permiso para gestionar las copias de seguridad",
    "Only the shop's owner or an administrator can make, download or restore its backups.": "Solo el propietario del taller o un administrador puede crear, descargar o restaurar sus copias de seguridad.",
    "Your account belongs to %(shop)s, as an employee. Ask the shop's owner if you need a backup.": "Su cuenta pertenece a %(shop)s como empleado. Pida una copia al propietario del taller si la necesita.",
    "Your account belongs to no shop.": "Su cuenta no pertenece a ningún taller.",
    "Log in": "Iniciar sesión",
    "Log in with your shop account to manage its backups.": "Inicie sesión con la cuenta de su taller para gestionar sus copias.",
    "User name": "Usuario",
    "Password": "Contraseña",
    "Backups of %(shop)s": "Copias de seguridad de %(shop)s",
    "Make a backup": "Hacer una copia",
    "Back up now": "Crear copia ahora",
    "A dry run comes first: it shows what the restore would do, and changes nothing.": "Primero se hace una simulación: muestra lo que haría la restauración y no cambia nada.",
    "The file is larger than the %(limit)s this server accepts for a restore.": "El archivo supera los %(limit)s que este servidor acepta para una restauración.",
    ".zst, .ndjson, .json or .gz; at most %(limit)s.": ".zst, .ndjson, .json o .gz; como máximo %(limit)s.",
    "Dry run": "Simular",
    "Recent restores": "Restauraciones recientes",
    "dry run": "simulación",
    "restore": "restauración",
    "Schedule and retention": "Programación y conservación",
    "Save the schedule": "Guardar la programación",
    "Queued": "En cola",
    "Running": "En curso",
    "Cancelling": "Cancelando",
    "Done": "Terminada",
    "Failed": "Falló",
    "Cancelled": "Cancelada",
    "Checking the file": "Comprobando el archivo",
    "Restoring": "Restaurando",
    "Writing the backup": "Escribiendo la copia",
    "Verifying the backup": "Verificando la copia",
    "started": "iniciada",
    "already running": "ya en curso",
    "succeeded": "correcta",
    "failed": "fallida",
    "refused": "rechazada",
    "cancel requested": "cancelación pedida",
    "cancelled": "cancelada",
    "backup deleted": "copia eliminada",
    "downloaded": "descargada",
    "headers only": "solo cabeceras",
    "The backup was deleted.": "La copia fue eliminada.",
    "The schedule was saved.": "La programación se guardó.",
}

ENTRY = re.compile(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n)+)', re.M)


def _text(quoted: str) -> str:
    return "".join(re.findall(r'"(.*)"', quoted)).replace('\\"', '"').replace("\\n", "\n")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"\n'


def fill(path: Path) -> list[str]:
    missing = []

    def replace(match: re.Match) -> str:
        msgid = _text(match.group(1))
        if not msgid:
            return match.group(0)
        if msgid not in ES:
            missing.append(msgid)
            return match.group(0)
        return f"msgid {match.group(1)}msgstr {_quote(ES[msgid])}"

    text = ENTRY.sub(replace, path.read_text())
    text = re.sub(r"^#(, fuzzy|\| .*)\n", "", text, flags=re.M)
    path.write_text(text)
    return missing


if __name__ == "__main__":
    missing = fill(Path(__file__).parent / "es" / "LC_MESSAGES" / "django.po")
    for msgid in missing:
        print("missing:", msgid)
    sys.exit(1 if missing else 0)
