"""Pages: the permission matrix over every page, what each role sees, query counts, the
notice, manual entry and approval through the forms."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.urls import reverse
from docx import Document

from zuofeng.races import services
from zuofeng.races.models import BoardScore, LeafScore, ManualEntry, Node, Race
from zuofeng.races.tests.factories import build_race, problem

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(district, make_user):
    race = build_race(district)
    problem(district.v1, closed=D(2025, 5, 1), deadline=D(2025, 5, 10))
    problem(district.town, closed=D(2025, 5, 20), deadline=D(2025, 5, 10))
    problem(district.w1, closed=D(2025, 6, 1), deadline=D(2025, 6, 1))
    season = services.season_add(actor=None, race=race, code="2025-Q2")
    services.season_compute(actor=None, season=season)
    users = {
        "lead": make_user("lead", ("lead_office", district.root)),
        "unit_t": make_user("unit_t", ("unit_admin", district.town)),
        "leader": make_user("leader", ("leader", district.root)),
        "village": make_user("village", ("branch_secretary", district.v1)),
        "norole": make_user("norole"),
        "sysadmin": make_user("sysadmin", ("system_admin", district.root)),
    }
    leaf = LeafScore.objects.get(season=season, participant=district.town, label="按期销号率")
    return race, season, users, leaf


def _urls(race, season, leaf):
    s = (race.pk, season.code)
    return {
        "list": reverse("race_list"),
        "board": reverse("race_board", args=s),
        "history": reverse("race_history", args=[race.pk]),
        "entries": reverse("race_entries", args=s),
        "notice": reverse("race_notice", args=s),
        "own": reverse("race_participant", args=[*s, "T"]),
        "other": reverse("race_participant", args=[*s, "U"]),
        "records": reverse("race_records", args=[*s, "T", leaf.pk]),
    }


# anonymous → login redirect; no role / admin → 403; out of scope → 404; allowed → 200
MATRIX = {
    "lead": dict.fromkeys(
        ("list", "board", "history", "entries", "notice", "own", "other", "records"), 200
    ),
    "leader": dict.fromkeys(
        ("list", "board", "history", "entries", "notice", "own", "other", "records"), 200
    ),
    "unit_t": {
        "list": 200,
        "board": 200,
        "history": 200,
        "entries": 200,
        "notice": 200,
        "own": 200,
        "other": 404,
        "records": 200,
    },
    # A village branch below 东关街道 sees the race but not the town's breakdown.
    "village": {
        "list": 200,
        "board": 200,
        "history": 200,
        "entries": 200,
        "notice": 200,
        "own": 404,
        "other": 404,
        "records": 404,
    },
    "norole": dict.fromkeys(
        ("list", "board", "history", "entries", "notice", "own", "other", "records"), 403
    ),
    "sysadmin": dict.fromkeys(
        ("list", "board", "history", "entries", "notice", "own", "other", "records"), 403
    ),
}


@pytest.mark.parametrize("who", list(MATRIX))
def test_permission_matrix(client, setup, who):
    race, season, users, leaf = setup
    client.force_login(users[who])
    got = {name: client.get(url).status_code for name, url in _urls(race, season, leaf).items()}
    assert got == MATRIX[who]


def test_anonymous_redirected(client, setup):
    race, season, _users, leaf = setup
    for url in _urls(race, season, leaf).values():
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"]


def test_board_page_shows_lists_rules_and_chart(client, setup):
    race, season, users, _leaf = setup
    client.force_login(users["lead"])
    response = client.get(reverse("race_board", args=[race.pk, season.code]))
    html = response.content.decode()
    assert "线性计分：达到100%得满分40分，每低于1个百分点扣1分，最低0分" in html
    assert "名次赋分（越高越好）：第1名60分、第2名50分、第3名40分" in html
    assert 'id="race-bars"' in html and "vendor/echarts.min.js" in html
    assert response.context["chart"]["totals"] == [90.0, 60.0, 50.0]
    assert [s.participant.code for s in response.context["board"].red] == ["U"]
    assert [s.participant.code for s in response.context["board"].black] == ["DA"]
    assert "计算成绩" in html or "重新计算" in html
    client.force_login(users["unit_t"])
    html = client.get(reverse("race_board", args=[race.pk, season.code])).content.decode()
    assert "重新计算" not in html
    assert reverse("race_participant", args=[race.pk, season.code, "T"]) in html
    assert reverse("race_participant", args=[race.pk, season.code, "U"]) not in html
    assert "查看本单位得分明细" in html


def test_board_query_count(client, setup, django_assert_max_num_queries, district, make_user):
    race, season, users, _leaf = setup
    client.force_login(users["lead"])
    url = reverse("race_board", args=[race.pk, season.code])
    client.get(url)
    with django_assert_max_num_queries(16):
        assert client.get(url).status_code == 200


def test_breakdown_links_to_the_records(client, setup):
    race, season, users, leaf = setup
    client.force_login(users["unit_t"])
    html = client.get(reverse("race_participant", args=[race.pk, season.code, "T"])).content
    html = html.decode()
    assert "50.0%" in html and "0.00 / 40" in html
    records = reverse("race_records", args=[race.pk, season.code, "T", leaf.pk])
    assert records in html
    page = client.get(records)
    # 东关街道's two problems closed in Q2 are the records behind its on-time rate.
    assert page.context["page"].paginator.count == 2
    assert all(link.startswith("/problems/") for _, link in page.context["rows"])


def test_compute_and_publish_through_the_pages(client, setup):
    race, season, users, _leaf = setup
    client.force_login(users["unit_t"])
    assert client.post(reverse("race_publish", args=[race.pk, season.code])).status_code == 403
    season.refresh_from_db()
    assert season.state == "computed"
    client.force_login(users["lead"])
    client.post(reverse("race_compute", args=[race.pk, season.code]))
    client.post(reverse("race_publish", args=[race.pk, season.code]))
    season.refresh_from_db()
    assert season.state == "published"
    response = client.post(reverse("race_compute", args=[race.pk, season.code]), follow=True)
    assert "2025年第二季度已发布，不能重新计算" in response.content.decode()


def test_manual_entry_and_approval_through_the_forms(client, setup, district):
    race, season, users, _leaf = setup
    node = Node.objects.get(name="招商引资额")
    url = reverse("race_entries", args=[race.pk, season.code])
    client.force_login(users["unit_t"])
    assert [p.code for p in client.get(url).context["participants"]] == ["T"]
    pdf = BytesIO(b"%PDF-1.4 evidence")
    pdf.name = "签约.pdf"
    client.post(
        url,
        {"node": node.pk, "participant": "T", "value": "6.5", "evidence": "签约清单", "file": pdf},
    )
    response = client.post(
        url, {"node": node.pk, "participant": "U", "value": "1", "evidence": "x"}, follow=True
    )
    assert response.status_code == 403
    entry = ManualEntry.objects.get()
    assert (entry.participant.code, entry.value, entry.state) == ("T", 6.5, "submitted")
    client.force_login(users["lead"])
    decide = reverse("race_entry_decide", args=[race.pk, season.code, entry.pk])
    client.post(decide, {"op": "approve"})
    entry.refresh_from_db()
    assert (entry.state, entry.approver_name) == ("approved", "lead")
    file = client.get(reverse("race_entry_file", args=[race.pk, season.code, entry.pk]))
    assert b"".join(file.streaming_content) == b"%PDF-1.4 evidence"
    client.post(reverse("race_compute", args=[race.pk, season.code]))
    score = BoardScore.objects.get(season=season, board__name="招商引资榜", participant__code="T")
    assert (score.total, score.rank) == (100, 1)


def test_notice_is_an_official_document(client, setup):
    race, season, users, _leaf = setup
    client.force_login(users["lead"])
    services.season_publish(actor=users["lead"], season=season)
    response = client.get(reverse("race_notice", args=[race.pk, season.code]))
    doc = Document(BytesIO(response.content))
    text = [p.text for p in doc.paragraphs]
    assert "作风建设赛马比拼通报" in text
    assert "关于测试赛马2025年第二季度比拼结果的通报" in text
    assert any("2025年第二季度（2025年4月1日至2025年6月30日）2个榜单" in t for t in text)
    assert "红榜：陈溪乡（90.00分）。" in text
    assert "黑榜：区财政局（50.00分）。" in text
    section = doc.sections[0]
    assert (round(section.top_margin.mm), round(section.left_margin.mm)) == (37, 28)


def test_board_editor_round_trip(client, setup):
    race, _season, users, _leaf = setup
    board = race.boards.get(name="作风效能榜")
    url = reverse("race_board_edit", args=[race.pk, board.pk])
    client.force_login(users["unit_t"])
    assert client.get(url).status_code == 403
    client.force_login(users["lead"])
    rows = client.get(url).context["rows"]
    assert [(r.name, r.points, r.key, r.params) for r in rows[:2]] == [
        ("组织覆盖", "60", "test_races.orgs", "table=60,50,40"),
        ("按期销号率", "40", "rectify.on_time_rate", "target=1 k=1 step=0.01 floor=0"),
    ]
    form = {
        "total_points": "100",
        "missing_rule": "exclude",
        "group": ["效能", "效能", ""],
        "name": ["组织覆盖", "按期销号率", "逾期问题"],
        "points": ["50", "30", "20"],
        "source": ["indicator", "indicator", "indicator"],
        "key": ["test_races.orgs", "rectify.on_time_rate", "rectify.problems_overdue"],
        "filters": ["", "source=正风肃纪检查", ""],
        "method": ["rank_points", "linear", "deduction"],
        "direction": ["higher", "higher", "lower"],
        "params": ["table=50,45,40", "target=1 k=1 step=0.01", "k=5"],
        "unit": ["个", "%", "个"],
    }
    saved = client.post(url, form, follow=True)
    assert "已保存作风效能榜" in saved.content.decode()
    board.refresh_from_db()
    spec = services.board_spec(board)
    assert spec["missing_rule"] == "exclude"
    group = spec["nodes"][0]
    assert (group["name"], group["points"]) == ("效能", 80)
    assert group["children"][1]["filters"] == {"source": "正风肃纪检查"}
    assert group["children"][0]["params"] == {"table": ["50", "45", "40"]}
    assert spec["nodes"][1]["params"] == {"k": "5"}
    bad = client.post(url, {**form, "points": ["50", "30", "10"]}, follow=True)
    assert "榜单各项分值之和为90，应等于100" in bad.content.decode()
    assert services.board_spec(board)["nodes"][1]["points"] == 20


def test_race_create_and_season_add_pages(client, setup, district):
    _race, _season, users, _leaf = setup
    client.force_login(users["unit_t"])
    assert client.get(reverse("race_new")).status_code == 403
    client.force_login(users["lead"])
    client.post(
        reverse("race_new"),
        {"name": "乡镇赛马", "kind": "town", "codes": "", "list_size": "1", "seasons": "2025-Q3"},
    )
    created = Race.objects.get(name="乡镇赛马")
    assert [p.code for p in created.participants.order_by("code")] == ["T", "U"]
    assert [b.name for b in created.boards.all()] == list(services.DEFAULT_BOARDS)
    assert [s.code for s in created.seasons.all()] == ["2025-Q3"]
    response = client.post(
        reverse("race_new"), {"name": "部门赛马", "codes": "DA XX9", "list_size": "3"}, follow=True
    )
    assert "未找到这些组织编码：XX9" in response.content.decode()
    assert not Race.objects.filter(name="部门赛马").exists()
    client.post(reverse("race_season_new", args=[created.pk]), {"code": "2025-Q4"})
    assert [s.code for s in created.seasons.all()] == ["2025-Q3", "2025-Q4"]


def test_results_spreadsheet(client, setup):
    from python_calamine import CalamineWorkbook

    race, season, users, _leaf = setup
    client.force_login(users["unit_t"])
    response = client.get(reverse("race_results", args=[race.pk, season.code]))
    book = CalamineWorkbook.from_filelike(BytesIO(response.content))
    ranks = book.get_sheet_by_name("排名").to_python()
    assert ranks[0][:5] == ["榜单", "名次", "单位编码", "单位名称", "得分"]
    assert [r[:5] for r in ranks[1:4]] == [
        ["作风效能榜", 1, "U", "陈溪乡", 90],
        ["作风效能榜", 2, "T", "东关街道", 60],
        ["作风效能榜", 3, "DA", "区财政局", 50],
    ]
    details = book.get_sheet_by_name("明细").to_python()[1:]
    # The town's liaison gets every rank but only its own leaves.
    assert {r[0] for r in details} == {"T"}
    assert len(details) == 3


@pytest.mark.parametrize("name", ["own", "history", "entries", "records", "list"])
def test_query_counts_do_not_grow_with_rows(client, setup, django_assert_max_num_queries, name):
    race, season, users, leaf = setup
    node = Node.objects.get(name="招商引资额")
    for org in race.participants.all():
        services.entry_submit(
            actor=None, season=season, node=node, participant=org, value="1", evidence="x"
        )
    client.force_login(users["lead"])
    url = _urls(race, season, leaf)[name]
    client.get(url)
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/races",
        "/api/v1/races/{race}/seasons/2025-Q2",
        "/api/v1/races/{race}/seasons/2025-Q2/entries",
        "/api/v1/races/{race}/seasons/2025-Q2/participants/T",
        "/api/v1/races/{race}/history",
    ],
)
def test_api_query_counts(client, setup, django_assert_max_num_queries, path):
    from zuofeng.orgs import services as org_services

    race, season, users, _leaf = setup
    node = Node.objects.get(name="招商引资额")
    for org in race.participants.all():
        services.entry_submit(
            actor=None, season=season, node=node, participant=org, value="1", evidence="x"
        )
    token = org_services.token_create(actor=None, user=users["lead"])
    url = path.format(race=race.pk)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client.get(url, **headers)
    with django_assert_max_num_queries(20):
        assert client.get(url, **headers).status_code == 200


def test_race_without_seasons_offers_setup(client, district, make_user):
    lead = make_user("lead", ("lead_office", district.root))
    race = services.race_create(
        actor=None, name="空赛马", lead_org=district.root, participants=[district.town]
    )
    client.force_login(lead)
    html = client.get(reverse("race_detail", args=[race.pk])).content.decode()
    assert "尚未设置赛季" in html and "添加赛季" in html
    assert reverse("race_board_edit", args=[race.pk, race.boards.first().pk]) in html
