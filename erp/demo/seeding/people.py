"""The tenant, its three users with their profiles, and its staff (``Cargo``, ``Empleado``)."""

import uuid
from datetime import date, datetime, timedelta

from django.contrib.auth.hashers import make_password

from erp.personal_admin.models import Cargo, Empleado, Tenant, UserProfile
from erp.personal_admin.storage import tenant_prefix

from . import vocab as v
from .plan import START, UUID_NAMESPACE, User
from .sampling import at
from .seeder import Seeder


def tenant_and_users(s: Seeder, usernames: tuple[str, str, str]) -> None:
    rng = s.rng
    domain = f"{s.slug.replace('_', '-').lower()}.com.bo"
    created_at = START - timedelta(days=rng.randrange(30, 365), hours=-rng.randrange(8, 18))
    _users(s, usernames, domain, created_at)
    s.tenant = _tenant(s, domain, created_at)
    s.insert(Tenant, [s.tenant])
    s.tid = s.tenant.pk
    s.media_prefix = tenant_prefix(s.tenant.uuid)
    roles = (UserProfile.Role.OWNER, UserProfile.Role.ADMIN, UserProfile.Role.EMPLOYEE)
    profiles = [UserProfile(user_id=u, tenant_id=s.tid, role=r) for u, r in zip(s.users, roles)]
    s.insert(UserProfile, profiles)


def _users(s: Seeder, usernames: tuple[str, str, str], domain: str, created_at: datetime) -> None:
    rng = s.rng
    hashed = make_password(s.password)  # one hash (~0.3 s) for the three demo users
    users = []
    for i, username in enumerate(usernames):
        nombre, apellido = v.persona(rng)
        users.append(
            User(
                username=username,
                first_name=nombre,
                last_name=apellido,
                email=v.email_for(rng, nombre, apellido, domain),
                password=hashed,
                date_joined=created_at + timedelta(days=i, minutes=rng.randrange(600)),
            )
        )
    s.insert(User, users, s.users)


def _tenant(s: Seeder, domain: str, created_at: datetime) -> Tenant:
    rng = s.rng
    address, ciudad = v.direccion(rng)
    return Tenant(
        uuid=uuid.uuid5(UUID_NAMESPACE, f"{s.slug}:{s.seed}"),
        name=s.name or "Taller " + s.slug.replace("-", " ").replace("_", " ").title(),
        slug=s.slug,
        tax_id=str(rng.randrange(1_000_000_000, 9_999_999_999)),
        address=address,
        phone=v.telefono(rng, ciudad),
        email=f"contacto@{domain}",
        plan=rng.choice((Tenant.Plan.PRO, Tenant.Plan.ENTERPRISE)),
        stripe_customer_id="cus_" + v.token(rng, 14),
        stripe_subscription_id="sub_" + v.token(rng, 24),
        owner_id=s.users[0],
        created_at=created_at,
    )


def personal(s: Seeder) -> None:
    """Job titles, then staff: the manager first, then the foremen (reporting to the manager),
    then everybody else, so that each batch's ``jefe`` already has a primary key."""
    rng = s.rng
    _cargos(s)
    jefe_cargos = [c for c in s.cargos if c[1] in v.CARGOS_JEFE] or s.cargos[:1]
    otros_cargos = [c for c in s.cargos if c[1] not in v.CARGOS_JEFE] or s.cargos[:1]
    ci = v.Permutation(rng, 1_000_000, 9_000_000)
    total = s.plan[Empleado]
    owner, admin, staff = s.users

    def empleado(i: int, cargo: tuple[int, str, int], jefe: int | None, usuario: int | None) -> Empleado:
        return _empleado(s, str(ci(i)), at(i / total * 0.9).date(), cargo, jefe, usuario)

    s.insert(Empleado, [empleado(0, jefe_cargos[0], None, owner)], s.empleados)
    jefes = max(0, min(total - 2, round(total * 0.1)))
    gerente = s.empleados[0]
    s.insert(
        Empleado,
        (empleado(i, rng.choice(jefe_cargos), gerente, admin if i == 1 else None) for i in range(1, jefes + 1)),
        s.empleados,
    )
    bosses = s.empleados[:]
    s.insert(
        Empleado,
        (
            empleado(i, rng.choice(otros_cargos), rng.choice(bosses), staff if i == total - 1 else None)
            for i in range(jefes + 1, total)
        ),
        s.empleados,
    )


def _cargos(s: Seeder) -> None:
    cargos = v.CARGOS[: s.plan[Cargo]]
    ids: list[int] = []
    rows = (
        Cargo(tenant_id=s.tid, nombre=n, descripcion=f"{n} del taller.", sueldo_base=v.money(bs * 100))
        for n, bs in cargos
    )
    s.insert(Cargo, rows, ids)
    s.cargos = [(pk, n, sueldo) for pk, (n, sueldo) in zip(ids, cargos)]


def _empleado(
    s: Seeder, ci: str, fecha_ingreso: date, cargo: tuple[int, str, int], jefe: int | None, usuario: int | None
) -> Empleado:
    rng = s.rng
    nombre, apellido = v.persona(rng)
    address, _ = v.direccion(rng)
    return Empleado(
        tenant_id=s.tid,
        cargo_id=cargo[0],
        usuario_id=usuario,
        jefe_id=jefe,
        ci=ci,
        nombre=nombre,
        apellido=apellido,
        telefono=v.celular(rng),
        direccion=address,
        fecha_ingreso=fecha_ingreso,
        sueldo=v.money(cargo[2] * 100 + rng.randrange(-40, 80) * 1000),
        activo=rng.random() > 0.1,
    )
