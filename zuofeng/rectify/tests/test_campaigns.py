import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from zuofeng.core.models import AuditEntry
from zuofeng.orgs.choices import Role
from zuofeng.rectify import services
from zuofeng.rectify.models import Campaign


def test_campaign_dates_are_saved_and_audited(db):
    c = services.campaign_save(
        actor=None, name="学习教育", start_date=dt.date(2025, 3, 1), end_date=dt.date(2025, 9, 30)
    )
    assert (c.start_date, c.end_date) == (dt.date(2025, 3, 1), dt.date(2025, 9, 30))
    services.campaign_save(actor=None, name="校园餐", description="专项整治")
    assert Campaign.objects.get(name="校园餐").description == "专项整治"
    assert AuditEntry.objects.filter(action="campaign.save").count() == 2


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (dt.date(2025, 3, 1), None, "end_date"),
        (dt.date(2025, 3, 1), dt.date(2025, 2, 1), "end_date"),
    ],
)
def test_bad_dates_write_nothing(db, start, end, field):
    before = Campaign.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.campaign_save(actor=None, name="新专项", start_date=start, end_date=end)
    assert field in exc.value.message_dict
    assert Campaign.objects.count() == before


def test_campaign_page_form_for_the_lead_office_only(client, district, make_user):
    client.force_login(make_user("unit", (Role.UNIT_ADMIN, district.town)))
    r = client.post("/campaigns/", {"name": "学习教育"})
    assert r.status_code == 403
    client.force_login(make_user("lead", (Role.LEAD_OFFICE, district.root)))
    r = client.post(
        "/campaigns/", {"name": "学习教育", "start_date": "2025-09-30", "end_date": "2025-03-01"}
    )
    assert r.status_code == 400 and "结束日期早于开始日期" in r.content.decode()
    r = client.post(
        "/campaigns/", {"name": "学习教育", "start_date": "2025-03-01", "end_date": "2025-09-30"}
    )
    assert r.status_code == 302
    assert "2025-03-01 — 2025-09-30" in client.get("/campaigns/").content.decode()
