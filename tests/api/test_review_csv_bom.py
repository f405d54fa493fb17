"""The results CSV with `?bom=true` starts with a UTF-8 byte order mark, so Excel reads it
as UTF-8 (Chinese names intact) instead of the system's legacy code page; without it the
bytes stay exactly as before for HR systems that parse the CSV."""

from __future__ import annotations

import csv
import io

from tests.api.harness import Tenant
from tests.api.test_rest_reviews import build_deals, published_worked_example

BOM = b"\xef\xbb\xbf"


async def test_bom_true_prefixes_the_csv_with_a_utf8_bom(acme: Tenant) -> None:
    world = await build_deals(acme)
    renamed = await world.call(
        "admin", "PATCH", f"/v1/members/{world.id('Rae')}", json={"name": "陈蕾"}
    )
    assert renamed.status_code == 200, renamed.text
    review_cycle = await published_worked_example(world)
    path = f"/v1/review-cycles/{review_cycle['id']}/results"
    csv_accept = {"Accept": "text/csv"}

    with_bom = await world.call("HR", "GET", path, params={"bom": "true"}, headers=csv_accept)
    plain = await world.call("HR", "GET", path, headers=csv_accept)
    explicit_false = await world.call(
        "HR", "GET", path, params={"bom": "false"}, headers=csv_accept
    )
    as_json = await world.call("HR", "GET", path, params={"bom": "true"})
    bad = await world.call("HR", "GET", path, params={"bom": "maybe"}, headers=csv_accept)

    assert with_bom.status_code == 200, with_bom.text
    assert with_bom.headers["content-type"] == "text/csv; charset=utf-8"
    assert with_bom.content.startswith(BOM + b"reviewee_id,")
    assert with_bom.content.count(BOM) == 1  # once, not once per streamed page
    # What Excel does: strip the BOM, decode as UTF-8.
    rows = list(csv.DictReader(io.StringIO(with_bom.content.decode("utf-8-sig"))))
    assert [r["name"] for r in rows] == ["陈蕾"]
    assert next(iter(rows[0])) == "reviewee_id"
    # The default is unchanged: no BOM, the same rows.
    assert plain.content == explicit_false.content == with_bom.content[len(BOM) :]
    # JSON pages have no BOM to add: the parameter does not change them.
    assert as_json.status_code == 200, as_json.text
    assert as_json.json()["items"][0]["reviewee"]["name"] == "陈蕾"
    assert bad.status_code == 422, bad.text
    assert bad.json()["code"] == "validation_failed"
