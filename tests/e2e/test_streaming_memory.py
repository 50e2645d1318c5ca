"""A Bitacora-heavy tenant (250,000 rows, ~28 MB of NDJSON) downloads from gunicorn and from
uvicorn while the server's resident memory stays flat; the files verify."""

import pytest

from .support import MiB, RssSampler, access_token, client, curl_download, download, header_of, mb, verify_file

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # on the big seeded e2e database

# Peak RSS of the serving process during a download, minus its RSS just before. Measured on
# 2 cores, both servers, both databases: +12-16 MB for the first big download of a fresh worker
# (allocator high-water mark, not proportional to size: a 1M-row, 110 MB download adds the same),
# then +1-5 MB. The bound leaves 1.5x room and stays under the 27 MB the uncompressed file
# would cost if it were buffered.
RSS_GROWTH_BOUND = 24 * MiB


@pytest.mark.parametrize("kind", ["gunicorn", "uvicorn"])
def test_big_download_streams_in_flat_memory(e2e, servers, files, report, kind):
    big = e2e.tenants["big"]
    server = servers(kind)
    token = access_token(server.url, big.owner)
    pid = server.worker_pid()
    with client(server.url) as http:
        # Warm-up on a small tenant: the first backup loads the plan, codecs and ORM code.
        warm = download(http, access_token(server.url, "up_owner"), files / "warm.ndjson", fmt="ndjson")
        assert warm.status == 200 and warm.error is None

        # The compressed default format with curl, as an operator would fetch it.
        with RssSampler(pid) as zst_rss:
            result = curl_download(server.url, token, files / "big.ndjson.zst")
        assert result.returncode == 0, result.stderr

        with RssSampler(pid) as ndjson_rss:
            plain = download(http, token, files / "big.ndjson", fmt="ndjson")
    assert plain.status == 200 and plain.error is None, plain
    assert plain.headers["content-type"] == "application/x-ndjson"
    assert plain.headers["x-accel-buffering"] == "no"
    assert "content-length" not in plain.headers  # streamed, not buffered and measured

    for path in (files / "big.ndjson", files / "big.ndjson.zst"):
        check = verify_file(e2e.env, path)
        assert check.returncode == 0, check.stderr
        assert f"tenant big ({big.uuid})" in check.stdout
        assert header_of(path)["tenant"]["uuid"] == big.uuid
    zst_size = (files / "big.ndjson.zst").stat().st_size

    report(
        f"[{e2e.db.vendor}/{kind}] download {big.rows:,} rows: ndjson {mb(plain.bytes)} in {plain.seconds:.2f}s "
        f"({mb(plain.bytes / plain.seconds)}/s), RSS {mb(ndjson_rss.baseline)} -> peak {mb(ndjson_rss.peak)} "
        f"(+{mb(ndjson_rss.growth)}, {ndjson_rss.count} samples); before it, curl ndjson.zst "
        f"{mb(zst_size)}: RSS +{mb(zst_rss.growth)}"
    )
    assert ndjson_rss.growth < RSS_GROWTH_BOUND, f"RSS grew by {mb(ndjson_rss.growth)} while streaming"
    assert zst_rss.growth < RSS_GROWTH_BOUND, f"RSS grew by {mb(zst_rss.growth)} while streaming"
