"""The audit trail's trigram index (0004) without GIN's pending list (issue #8).

With ``fastupdate`` on (PostgreSQL's default), a GIN index collects new entries in a pending list and merges them
into the index when the list outgrows ``gin_pending_list_limit`` (4 MB) or when VACUUM runs. The merge is done by the
inserting statement itself when the list overflows, and here that statement is an action's audit event, written
under the chain head's lock: at 10 million events one INSERT in about two thousand took 212 ms (session 7,
``bench/pages_inproc.py action 3000 --slow`` on zw_bench_full) and every other action of the platform waited for it.
Off, each event adds its few trigrams to the index directly, at the index's right edge (event ids only grow): the
median action was no slower (4.5 ms against 4.6–4.7 ms), and the slowest of 3,000 took 13 ms. PostgreSQL's manual
gives the same advice where steady response time matters more than insert speed. The entries already pending are
merged now, once, so that searches stop scanning them."""

from django.db import migrations

INDEX = "audit_event_org_name_trgm"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite has no such index (0004)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [INDEX])
        if not cursor.fetchone()[0]:
            return
        cursor.execute(f"ALTER INDEX {INDEX} SET (fastupdate = off)")
        cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [INDEX])


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX IF EXISTS {INDEX} RESET (fastupdate)")


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_fewer_indexes")]
    operations = [migrations.RunPython(forwards, backwards)]
