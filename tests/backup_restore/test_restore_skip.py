"""The restore's second pass passes the rows of sections it does not restore over unread (issue 10.2):
the summary, the errors and their lines stay exactly what reading every row gave."""

import io

import pytest
from django.db import transaction

from backup_restore.conf import reader_limits
from backup_restore.locks import tenant_restore_lock
from backup_restore.registry import get_plan
from backup_restore.restore import RestoreSummary, _preflight, _Restore, tenant_restore
from streaming import SectionEnd, iter_records

from .helpers import audit_entries, backup_bytes, craft, database_checksum, records, section_rows, seeded
from .test_restore_rejects import assert_refused, attempt

pytestmark = pytest.mark.django_db

NOT_RESTORED = ("personal_admin.bitacora", "personal_admin.userprofile")


def summary_reading_every_row(tenant, data: bytes, *, replace: bool) -> dict:
    """The restore as it was before the skip: the second pass reads, parses and counts every row."""
    summary = RestoreSummary(mode="replace" if replace else "merge", dry_run=True)
    with transaction.atomic(), tenant_restore_lock(tenant, "default"):
        plan = get_plan()
        present, _rows = _preflight(io.BytesIO(data), tenant, plan, False, None)
        _Restore(tenant, plan, summary, replace=replace, using="default", progress=None, present=present).run(
            iter_records(io.BytesIO(data), limits=reader_limits())
        )
        transaction.set_rollback(True)
    return summary.to_dict()


@pytest.mark.parametrize("container", ["ndjson", "ndjson.zst", "json"])
@pytest.mark.parametrize("replace", [True, False], ids=["replace", "merge"])
def test_summary_is_the_same_with_and_without_the_skip(container, replace):
    alfa = seeded("alfa", rows=600)
    data = backup_bytes(alfa, container)
    rows_in_file = {e.model: e.rows for e in iter_records(io.BytesIO(data)) if type(e) is SectionEnd}
    before = database_checksum()
    skipping = tenant_restore(tenant=alfa, fileobj=io.BytesIO(data), replace=replace, dry_run=True).to_dict()
    assert skipping == summary_reading_every_row(alfa, data, replace=replace)
    for label in NOT_RESTORED:
        assert skipping["sections"][label] == {"created": 0, "matched": 0, "skipped": rows_in_file[label]}
    assert rows_in_file["personal_admin.bitacora"] > 100
    assert skipping["rows"] == sum(rows_in_file.values())
    audit_entries(alfa, "restore").delete()
    assert database_checksum() == before


def test_a_wrong_value_after_a_skipped_section_names_its_line():
    alfa = seeded("alfa", rows=600)
    before = database_checksum()
    values = records(backup_bytes(alfa))
    skipped_at = next(i for i, v in enumerate(values) if isinstance(v, dict) and v.get("model") == NOT_RESTORED[0])
    fields, rows = section_rows(values, "clientes_servicios.cliente")
    rows[1][fields.index("nombre")] = None
    line = next(i for i, v in enumerate(values) if v is rows[1]) + 1
    assert line > skipped_at + 100
    error = assert_refused(attempt(craft(values)), 400, "invalid_value", before=before, tenant=alfa)
    assert (error["line"], error["section"], error["field"]) == (line, "clientes_servicios.cliente", "nombre")


def test_a_bad_id_in_a_section_not_restored_is_still_refused():
    """Its ids were checked in the second pass; that pass no longer reads them, so the first one does."""
    alfa = seeded("alfa", rows=600)
    before = database_checksum()
    values = records(backup_bytes(alfa))
    fields, rows = section_rows(values, "personal_admin.bitacora")
    rows[5][fields.index("id")] = rows[4][fields.index("id")]
    line = next(i for i, v in enumerate(values) if v is rows[5]) + 1
    error = assert_refused(
        attempt(craft(values)), 400, "invalid_value", before=before, tenant=alfa, text="previous row"
    )
    assert (error["line"], error["section"], error["field"]) == (line, "personal_admin.bitacora", "id")
