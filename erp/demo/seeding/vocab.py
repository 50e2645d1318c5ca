"""Small built-in Spanish (Bolivian) word lists and value makers for demo data.

Everything here is pure: values come from the ``random.Random`` passed in, so the
same seed always yields the same content. No network, no Faker.
"""

import math
import random
import unicodedata
from decimal import Decimal
from functools import cache

NOMBRES = (
    "Juan", "Carlos", "Luis", "Jorge", "José", "Marco", "Fernando", "Miguel", "Rodrigo", "Álvaro",
    "Diego", "Sergio", "Mario", "Raúl", "Edwin", "Wilson", "Freddy", "René", "Hugo", "Gonzalo",
    "Javier", "Ricardo", "Víctor", "Daniel", "Alejandro", "Pablo", "Franz", "Limbert", "Grover",
    "Teodoro", "Iván", "Rubén", "Nelson", "Osvaldo", "Ramiro", "Germán",
    "María", "Ana", "Carla", "Patricia", "Rosa", "Verónica", "Gabriela", "Daniela", "Andrea",
    "Claudia", "Silvia", "Paola", "Mónica", "Lourdes", "Ximena", "Roxana", "Jimena", "Valeria",
    "Lucía", "Fabiola", "Mariela", "Sandra", "Wendy", "Noemí", "Begoña", "Inés",
)  # fmt: skip

APELLIDOS = (
    "Mamani", "Quispe", "Choque", "Condori", "Flores", "Gutiérrez", "Vargas", "Rojas", "Fernández",
    "López", "Rodríguez", "García", "Pérez", "Gonzales", "Torrez", "Medina", "Vaca", "Suárez",
    "Justiniano", "Áñez", "Paz", "Salazar", "Aguilar", "Ticona", "Huanca", "Apaza", "Limachi",
    "Villarroel", "Arce", "Morales", "Zeballos", "Siles", "Antezana", "Rocha", "Céspedes",
    "Terrazas", "Montaño", "Soliz", "Ríos", "Castro", "Peña", "Ibáñez", "Callisaya", "Coca",
)  # fmt: skip

# city -> (landline prefix, zones, streets)
CIUDADES = {
    "La Paz": (
        "2",
        ("Sopocachi", "Miraflores", "San Pedro", "Obrajes", "Calacoto", "Achumani", "Villa Fátima",
         "San Miguel", "Irpavi", "Villa San Antonio", "Munaypata"),
        ("Av. 6 de Agosto", "Av. Arce", "Calle Ecuador", "Av. Busch", "Av. Ballivián", "Calle 21",
         "Av. Illimani", "Av. Montes", "Calle Landaeta", "Av. Saavedra", "Av. Hernando Siles"),
    ),
    "El Alto": (
        "2",
        ("Ciudad Satélite", "Villa Adela", "Río Seco", "Villa Dolores", "16 de Julio"),
        ("Av. Juan Pablo II", "Av. 6 de Marzo", "Av. Bolivia", "Calle Jorge Carrasco", "Av. Tiahuanacu"),
    ),
    "Santa Cruz de la Sierra": (
        "3",
        ("Equipetrol", "Barrio Las Palmas", "Plan 3000", "Villa 1ro de Mayo", "Urbarí", "Hamacas",
         "Barrio Sirari", "La Ramada"),
        ("Av. Banzer", "Av. Cristo Redentor", "Av. San Martín", "Av. Alemana", "Av. Beni",
         "Av. Grigotá", "Av. Santos Dumont", "Av. Piraí", "Av. Mutualista", "Av. Roca y Coronado"),
    ),
    "Cochabamba": (
        "4",
        ("Cala Cala", "Queru Queru", "Sarco", "Tupuraya", "Muyurina", "Hipódromo", "Temporal"),
        ("Av. América", "Av. Heroínas", "Av. Blanco Galindo", "Av. Ayacucho", "Av. Villazón",
         "Av. Libertador Bolívar", "Calle Jordán", "Av. Pando", "Av. Melchor Pérez de Olguín"),
    ),
}  # fmt: skip
CIUDAD_NOMBRES = tuple(CIUDADES)

MARCAS_MODELOS = (
    ("Toyota", ("Corolla", "Hilux", "Land Cruiser", "RAV4", "Yaris", "Land Cruiser Prado", "Hiace", "Rush")),
    ("Nissan", ("Sentra", "Frontier", "Patrol", "X-Trail", "Versa", "Pathfinder")),
    ("Suzuki", ("Swift", "Vitara", "Jimny", "Alto", "Grand Vitara")),
    ("Hyundai", ("Accent", "Tucson", "Santa Fe", "Elantra", "H-1", "Creta")),
    ("Kia", ("Rio", "Sportage", "Sorento", "Picanto", "K2700")),
    ("Chevrolet", ("Onix", "Tracker", "D-Max", "Spark", "Captiva")),
    ("Mitsubishi", ("L200", "Montero", "Outlander", "Lancer", "Nativa")),
    ("Volkswagen", ("Gol", "Amarok", "Jetta", "Tiguan", "Saveiro")),
    ("Honda", ("Civic", "CR-V", "Fit", "HR-V")),
    ("Mazda", ("Mazda 3", "CX-5", "BT-50", "Demio")),
    ("Renault", ("Duster", "Logan", "Sandero", "Oroch")),
    ("Ford", ("Ranger", "Explorer", "EcoSport")),
)

COLORES = ("Blanco", "Plata", "Negro", "Gris", "Rojo", "Azul", "Verde", "Guindo", "Beige", "Dorado", "Café")

CARGOS = (
    ("Gerente general", 12000),
    ("Mecánico", 4500),
    ("Jefe de taller", 8000),
    ("Recepcionista", 3200),
    ("Electricista automotriz", 5000),
    ("Mecánico ayudante", 3000),
    ("Chapista", 4200),
    ("Pintor automotriz", 4200),
    ("Asesor de servicio", 4000),
    ("Cajero", 3300),
    ("Almacenero", 3100),
    ("Técnico en GNV", 4800),
    ("Alineador", 3800),
    ("Lavador", 2800),
    ("Contador", 6000),
    ("Técnico de diagnóstico electrónico", 5500),
)
CARGOS_JEFE = frozenset({"Gerente general", "Jefe de taller"})

AREAS = (
    ("Mecánica general", "Motor, distribución, embrague y mantenimiento preventivo."),
    ("Electricidad automotriz", "Sistemas de arranque, carga, luces y cableado."),
    ("Chapería y pintura", "Enderezado de carrocería, masillado y pintura al horno."),
    ("Lubricación", "Cambio de aceite, filtros y engrase."),
    ("Frenos", "Pastillas, discos, tambores y sistema hidráulico."),
    ("Suspensión y dirección", "Amortiguadores, rótulas, terminales y alineado."),
    ("Diagnóstico electrónico", "Escáner OBD-II, sensores y computadora del motor."),
    ("Aire acondicionado", "Carga de gas, compresor y ventilación."),
    ("Conversión a GNV", "Instalación y mantenimiento de equipos de gas natural vehicular."),
    ("Caja y transmisión", "Cajas manuales, automáticas y diferenciales."),
    ("Almacén de repuestos", "Recepción, control y despacho de repuestos."),
    ("Lavado y detallado", "Lavado de motor, tapicería y pulido."),
)

PIEZAS = (
    "Pastillas de freno delanteras", "Pastillas de freno traseras", "Disco de freno", "Filtro de aceite",
    "Filtro de aire", "Filtro de combustible", "Filtro de cabina", "Bujía de iridio", "Amortiguador delantero",
    "Amortiguador trasero", "Correa de distribución", "Kit de embrague", "Bomba de agua", "Radiador",
    "Batería 12V 75Ah", "Alternador", "Motor de arranque", "Rótula de suspensión", "Terminal de dirección",
    "Rodamiento de rueda", "Sensor de oxígeno", "Bobina de encendido", "Termostato", "Empaquetadura de culata",
    "Cadena de distribución", "Brazo de suspensión", "Bieleta", "Faro delantero", "Espejo retrovisor",
    "Plumilla limpiaparabrisas", "Manguera de radiador", "Inyector", "Sensor ABS", "Cilindro de freno",
)  # fmt: skip
INSUMOS = (
    "Aceite de motor 15W-40 (galón)", "Aceite de motor 5W-30 (litro)", "Refrigerante (galón)",
    "Líquido de frenos DOT 4", "Grasa multipropósito", "Lija al agua 1000", "Masilla plástica",
    "Pintura base poliuretano", "Thinner acrílico", "Aceite de caja 75W-90", "Limpiacarburador",
    "Desengrasante de motor", "Cinta de enmascarar", "Silicona para juntas",
)  # fmt: skip
SERVICIOS = (
    "Alineado y balanceado", "Cambio de aceite y filtro", "Diagnóstico por escáner", "Mantenimiento de 10.000 km",
    "Mantenimiento de 20.000 km", "Rectificado de discos", "Pintura de puerta", "Enderezado de guardafango",
    "Revisión de sistema eléctrico", "Carga de gas de aire acondicionado", "Limpieza de inyectores",
    "Cambio de kit de embrague", "Revisión técnica vehicular", "Mantenimiento de equipo GNV", "Lavado de motor",
)  # fmt: skip
# tipo, code prefix, names, purchase price range in cents (services are not bought)
ITEM_TIPOS = (
    ("repuesto", "REP", PIEZAS, (5_000, 250_000)),
    ("insumo", "INS", INSUMOS, (1_500, 40_000)),
    ("servicio", "SER", SERVICIOS, (8_000, 150_000)),
)

EMPRESA_TIPOS = ("Transportes", "Distribuidora", "Importadora", "Constructora", "Radio Taxi", "Comercial",
                 "Servicios", "Agropecuaria", "Inversiones", "Minera")  # fmt: skip
EMPRESA_NUCLEOS = ("Illimani", "Andina", "del Oriente", "Tunari", "Sajama", "Chiquitana", "Mamoré",
                   "Huayna Potosí", "Altiplano", "Guapay", "Pirai", "Titicaca", "Los Yungas", "Valle Alto")  # fmt: skip
EMPRESA_SUFIJOS = ("S.R.L.", "S.A.", "Ltda.", "S.R.L.", "")
PROVEEDOR_TIPOS = ("Importadora de repuestos", "Lubricantes", "Distribuidora automotriz", "Repuestos",
                   "Baterías", "Llantas y aros", "Pinturas automotrices", "Autopartes")  # fmt: skip

MOTIVOS = (
    "Cambio de aceite y filtros", "Ruido en la suspensión delantera", "Revisión de frenos", "Falla en el arranque",
    "Mantenimiento de 20.000 km", "Conversión a GNV", "Revisión técnica vehicular", "Luz de check engine encendida",
    "Vibración al frenar", "El aire acondicionado no enfría", "Pérdida de potencia en subida",
    "Consumo excesivo de combustible", "Golpe en la puerta trasera", "Sobrecalentamiento del motor",
    "Fuga de aceite", "La batería se descarga", "Dirección dura", "Ruido en la caja de cambios",
)  # fmt: skip
NOTAS = (
    "Cliente autoriza el cambio de {pieza}.", "Se espera repuesto desde Santa Cruz, llega en 3 días.",
    "Llamar al cliente para aprobar el trabajo adicional.", "Cliente deja el vehículo con llanta de auxilio baja.",
    "Se detectó desgaste en {pieza}; se recomienda cambiar en el próximo servicio.",
    "Vehículo lavado y listo para entrega.", "El cliente pagará con QR al recoger.",
    "Repuesto original no disponible, se usará alternativo con garantía.",
    "Prueba de ruta pendiente por lluvia.", "Se entregan al cliente las piezas cambiadas.",
)  # fmt: skip
TAREAS = ("Desmontar", "Cambiar", "Revisar", "Ajustar", "Limpiar", "Probar", "Calibrar", "Lubricar")
DANOS = ("Rayón en puerta trasera derecha", "Abolladura en el guardafango izquierdo", "Parabrisas trizado",
         "Tapizado del asiento roto", "Falta tapa de combustible", "Retrovisor derecho suelto",
         "Faro con humedad", "Parachoques con raspones")  # fmt: skip
CHECKLIST = ("luces", "frenos", "llantas", "llanta_auxilio", "gata", "triangulos", "extintor", "radio",
             "espejos", "parabrisas", "tapiceria", "soat", "nivel_aceite", "refrigerante")  # fmt: skip
CHECK_ESTADOS = ("ok", "ok", "ok", "ok", "observado", "falta")
PRUEBA_OBS = ("Sin ruidos anormales.", "Leve vibración a más de 80 km/h.", "Frenado correcto.",
              "Se escucha ruido en el tren delantero al girar.", "Temperatura estable en subida.",
              "Cambios suaves, sin patinar el embrague.")  # fmt: skip
PRESUPUESTO_OBS = ("Precios válidos salvo variación del tipo de cambio.", "Incluye mano de obra.",
                   "No incluye repuestos de carrocería.", "Repuestos originales con garantía de 6 meses.",
                   "Sujeto a disponibilidad de stock.", "")  # fmt: skip
IMAGEN_DESC = ("Vista frontal al ingreso", "Daño lateral", "Tablero con kilometraje", "Motor antes del trabajo",
               "Pieza cambiada", "Vista trasera", "Trabajo terminado")  # fmt: skip
MESES = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
         "noviembre", "diciembre")  # fmt: skip
NAVEGADORES = ("Chrome en Windows", "Firefox en Ubuntu", "Safari en iPhone", "Chrome en Android", "Edge en Windows")
IP_PUBLICAS = ("200.87", "181.115", "190.129", "177.222", "161.56", "190.181")

PLACA_LETRAS = "BCDFGHJKLMNPRSTVWXYZ"
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
MONEY_Q = Decimal("0.01")


def money(cents: int) -> Decimal:
    """``12345`` -> ``Decimal('123.45')``, always with two decimal places."""
    return Decimal(cents).scaleb(-2)


@cache
def ascii_fold(text: str) -> str:
    """``"Gutiérrez Áñez"`` -> ``"gutierrezanez"`` (for e-mail addresses)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if c.isascii() and c.isalnum())


def persona(rng: random.Random) -> tuple[str, str]:
    """A first name and a (double) surname."""
    return rng.choice(NOMBRES), f"{rng.choice(APELLIDOS)} {rng.choice(APELLIDOS)}"


def email_for(rng: random.Random, nombre: str, apellido: str, domain: str | None = None) -> str:
    local = f"{ascii_fold(nombre)}.{ascii_fold(apellido.split()[0])}"
    if domain is None:
        local += str(rng.randrange(10, 99))
        domain = rng.choice(("gmail.com", "hotmail.com", "yahoo.com", "outlook.com"))
    return f"{local}@{domain}"


def celular(rng: random.Random) -> str:
    return f"+591 {rng.choice('67')}{rng.randrange(10_000_000):07d}"


def telefono(rng: random.Random, ciudad: str | None = None) -> str:
    """A mobile number most of the time, otherwise a landline of the city."""
    if ciudad is None or rng.random() < 0.7:
        return celular(rng)
    prefix = CIUDADES[ciudad][0]
    return f"{prefix}-{prefix}{rng.randrange(100_000, 999_999)}"


def direccion(rng: random.Random, ciudad: str | None = None) -> tuple[str, str]:
    """``(address, city)``."""
    ciudad = ciudad or rng.choice(CIUDAD_NOMBRES)
    _, zonas, calles = CIUDADES[ciudad]
    return f"{rng.choice(calles)} N° {rng.randrange(1, 3500)}, {rng.choice(zonas)}, {ciudad}", ciudad


def empresa(rng: random.Random) -> str:
    suffix = rng.choice(EMPRESA_SUFIJOS)
    return f"{rng.choice(EMPRESA_TIPOS)} {rng.choice(EMPRESA_NUCLEOS)} {suffix}".rstrip()


def proveedor(rng: random.Random) -> str:
    return f"{rng.choice(PROVEEDOR_TIPOS)} {rng.choice(EMPRESA_NUCLEOS)} {rng.choice(EMPRESA_SUFIJOS)}".rstrip()


def referencia_pago(rng: random.Random, metodo: str) -> str:
    """The reference a cashier writes down for a payment method (nothing for cash)."""
    match metodo:
        case "transferencia":
            return f"TRF-{rng.randrange(10**8):08d}"
        case "qr":
            return f"QR-{rng.randrange(10**10):010d}"
        case "tarjeta":
            return f"**** {rng.randrange(10**4):04d}"
    return ""


def token(rng: random.Random, length: int, alphabet: str = ALNUM) -> str:
    return "".join(rng.choices(alphabet, k=length))


class Permutation:
    """A bijection ``i -> start + (a*i + b) mod size``: unique, random-looking values without a ``set``.

    Keeps unique-per-tenant columns (CI, NIT, plates) unique in O(1) memory.
    """

    __slots__ = ("a", "b", "size", "start")

    def __init__(self, rng: random.Random, start: int, size: int) -> None:
        self.start, self.size = start, size
        a = rng.randrange(size // 3, 2 * size // 3)
        while math.gcd(a, size) != 1:
            a += 1
        self.a, self.b = a, rng.randrange(size)

    def __call__(self, i: int) -> int:
        if not 0 <= i < self.size:
            raise OverflowError(f"no more unique values ({i} >= {self.size})")
        return self.start + (self.a * i + self.b) % self.size


class Placas:
    """Unique Bolivian plates like ``2345BCD`` (4 digits + 3 consonants) by index."""

    __slots__ = ("perm",)
    _n = len(PLACA_LETRAS)

    def __init__(self, rng: random.Random) -> None:
        self.perm = Permutation(rng, 0, 9000 * self._n**3)

    def __call__(self, i: int) -> str:
        value = self.perm(i)
        digits, letters = divmod(value, self._n**3)
        a, rest = divmod(letters, self._n**2)
        b, c = divmod(rest, self._n)
        return f"{1000 + digits}{PLACA_LETRAS[a]}{PLACA_LETRAS[b]}{PLACA_LETRAS[c]}"
