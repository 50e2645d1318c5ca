"""``manage.py seed_tenant SLUG --rows N``: a tenant full of realistic, deterministic demo data."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from erp.demo.seeding import DEFAULT_BATCH_SIZE, DEFAULT_PASSWORD, SeedError, SeedResult, plan_counts, seed_tenant


class Command(BaseCommand):
    help = (
        "Create tenant SLUG with users SLUG_owner/SLUG_admin/SLUG_staff and about N rows of demo data "
        "(~70%% of them audit log). The same --seed gives the same data."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="slug of the new tenant (must not exist yet)")
        parser.add_argument("--rows", type=int, required=True, help="target number of rows (>= 1)")
        parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
        parser.add_argument(
            "--password", default=DEFAULT_PASSWORD, help=f"password of the three users (default: {DEFAULT_PASSWORD})"
        )
        parser.add_argument("--name", help="tenant name (default: derived from the slug)")
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="rows per bulk_create batch")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, slug, rows, seed, password, name, batch_size, no_progress, verbosity, **options):
        if rows < 1:
            raise CommandError(f"--rows must be at least 1 (got {rows})")
        bar = self._progress_bar(rows, disable=no_progress or verbosity == 0 or not self.stdout.isatty())

        def progress(label: str, n: int) -> None:
            bar.set_postfix_str(label.rsplit(".", 1)[-1], refresh=False)
            bar.update(n)

        # With DEBUG on, Django would keep (and on SQLite re-quote) the SQL of every batch.
        debug, settings.DEBUG = settings.DEBUG, False
        try:
            result = seed_tenant(
                slug=slug, rows=rows, seed=seed, password=password, name=name, progress=progress, batch_size=batch_size
            )
        except SeedError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            settings.DEBUG = debug
            bar.close()

        if verbosity > 0:
            self._report(result, seed)

    def _progress_bar(self, rows: int, disable: bool) -> tqdm:
        return tqdm(
            total=sum(plan_counts(rows).values()),
            unit=" rows",
            unit_scale=True,
            dynamic_ncols=True,
            file=self.stdout._out,  # the raw stream: OutputWrapper would append a newline per refresh
            disable=disable,
        )

    def _report(self, result: SeedResult, seed: int) -> None:
        tenant = result.tenant
        per_model = ", ".join(f"{label.rsplit('.', 1)[-1]}={n:,}" for label, n in result.counts.items())
        self.stdout.write(f"Rows per model: {per_model}")
        if result.catalog_created:
            self.stdout.write(f"Global catalog: {result.catalog_created} new Marca/Modelo rows")
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded tenant '{tenant.slug}' ({tenant.name}, uuid {tenant.uuid}): {result.total:,} rows "
                f"in {result.elapsed:.1f}s ({result.rows_per_second:,.0f} rows/s), seed {seed}"
            )
        )
        self.stdout.write(f"Log in as {', '.join(result.usernames)} with password: {result.password}")
