import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from tests.conftest import PASSWORD


def test_obtain_and_refresh_jwt(tenant):
    client = APIClient()
    response = client.post("/api/auth/token/", {"username": "alfa_owner", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    tokens = response.json()
    assert set(tokens) == {"access", "refresh"}
    refreshed = client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert refreshed.status_code == 200
    assert refreshed.json()["access"]


def test_bad_password_is_rejected(tenant):
    response = APIClient().post("/api/auth/token/", {"username": "alfa_owner", "password": "nope"}, format="json")
    assert response.status_code == 401
    assert "access" not in response.json()


def test_garbage_refresh_token_is_rejected(db):
    response = APIClient().post("/api/auth/token/refresh/", {"refresh": "not-a-token"}, format="json")
    assert response.status_code == 401


ADMIN_PAGES = [
    "personal_admin/tenant",
    "personal_admin/userprofile",
    "personal_admin/empleado",
    "personal_admin/bitacora",
    "clientes_servicios/cliente",
    "clientes_servicios/cita",
    "operaciones_inventario/vehiculo",
    "operaciones_inventario/item",
    "operaciones_inventario/ordentrabajo",
    "operaciones_inventario/presupuesto",
    "finanzas_facturacion/pago",
    "finanzas_facturacion/facturaproveedor",
    "servicios_IA/lecturaplaca",
    "servicios_IA/reporte",
]


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_admin_changelist_and_add_pages_load(client, db, page):
    get_user_model().objects.create_superuser("root", password=PASSWORD)
    client.login(username="root", password=PASSWORD)
    assert client.get(f"/admin/{page}/").status_code == 200
    assert client.get(f"/admin/{page}/add/").status_code == 200
