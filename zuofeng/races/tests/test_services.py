"""Compute, publish, manual entries and every refusal, with hand-computed figures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from zuofeng.core.models import AuditEntry
from zuofeng.races import services
from zuofeng.races.models import BoardScore, LeafScore, ManualEntry, Node, TalkFlag
from zuofeng.races.tests.factories import EFFICIENCY, build_race, d, problem

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def race(district):
    return build_race(district)


@pytest.fixture
def lead(district, make_user):
    return make_user("lead", ("lead_office", district.root))


def _scores(season, board_name):
    return {
        s.participant.code: (s.total, s.rank, s.red, s.black)
        for s in BoardScore.objects.filter(season=season, board__name=board_name).select_related(
            "participant"
        )
    }


def _leaf(season, code, label):
    return LeafScore.objects.get(season=season, participant__code=code, label=label)


def _q2_data(district):
    # 东关街道 (T): two closed in Q2, one on time → 50%; 陈溪乡 (U): one, on time → 100%;
    # 区财政局 (DA): none → no data.
    problem(district.v1, closed=D(2025, 5, 1), deadline=D(2025, 5, 10))
    problem(district.town, closed=D(2025, 5, 20), deadline=D(2025, 5, 10))
    problem(district.w1, closed=D(2025, 6, 1), deadline=D(2025, 6, 1))


def test_compute_hand_computed(district, race, lead):
    _q2_data(district)
    season = services.season_add(actor=lead, race=race, code="2025-Q2")
    assert (season.start, season.end, season.name) == (
        D(2025, 4, 1),
        D(2025, 6, 30),
        "2025年第二季度",
    )
    services.season_compute(actor=lead, season=season)
    # 组织覆盖: T 3 orgs (1st, 60), DA 2 and U 2 share 2nd (50 each).
    # 按期销号率: U 100% → 40; T 50% → 40 − 50 → floor 0; DA no data → 0 (board rule: zero).
    assert _scores(season, "作风效能榜") == {
        "U": (d("90.00"), 1, True, False),
        "T": (d("60.00"), 2, False, False),
        "DA": (d("50.00"), 3, False, True),
    }
    leaf = _leaf(season, "T", "按期销号率")
    assert (leaf.value, leaf.points, leaf.leaf_rank) == (d("0.5"), d("0.00"), 2)
    assert leaf.rule == "线性计分：达到100%得满分40分，每低于1个百分点扣1分，最低0分"
    missing = _leaf(season, "DA", "按期销号率")
    assert (missing.value, missing.points, missing.leaf_rank) == (None, d("0.00"), None)
    tied = _leaf(season, "U", "组织覆盖")
    assert (tied.value, tied.points, tied.leaf_rank) == (d(2), d("50.00"), 2)
    season.refresh_from_db()
    assert season.state == "computed"
    entry = AuditEntry.objects.filter(action="race.compute").get()
    assert entry.actor_name == "lead" and entry.after["leaf_scores"] == 3 * 3


def test_exclude_rule_scales_remaining_leaves(district, race):
    _q2_data(district)
    board = race.boards.get(name="作风效能榜")
    services.board_save(actor=None, board=board, nodes=EFFICIENCY, missing_rule="exclude")
    season = services.season_add(actor=None, race=race, code="2025-Q2")
    services.season_compute(actor=None, season=season)
    # DA: 50 of the 60 points it has data for → 50 × 100 / 60 = 83.33
    assert _scores(season, "作风效能榜") == {
        "U": (d("90.00"), 1, True, False),
        "DA": (d("83.33"), 2, False, False),
        "T": (d("60.00"), 3, False, True),
    }
    assert _leaf(season, "DA", "按期销号率").points is None


def test_manual_entries_count_once_approved(district, race, lead, make_user):
    unit = make_user("unit_t", ("unit_admin", district.town))
    season = services.season_add(actor=lead, race=race, code="2025-Q2")
    node = Node.objects.get(name="招商引资额")
    e_t = services.entry_submit(
        actor=unit,
        season=season,
        node=node,
        participant=district.town,
        value="5",
        evidence="签约项目清单",
    )
    e_u = services.entry_submit(
        actor=lead,
        season=season,
        node=node,
        participant=district.town2,
        value="10",
        evidence="签约项目清单",
    )
    services.entry_submit(
        actor=lead,
        season=season,
        node=node,
        participant=district.dept,
        value="8",
        evidence="未审核",
    )
    services.entry_decide(actor=lead, entry=e_t, approve=True)
    services.entry_decide(actor=None, entry=e_u, approve=True)
    services.season_compute(actor=lead, season=season)
    # ratio to the top: U 10 → 100; T 5 → 50; DA's entry not approved → no data → 0.
    assert _scores(season, "招商引资榜") == {
        "U": (d("100.00"), 1, True, False),
        "T": (d("50.00"), 2, False, False),
        "DA": (d("0.00"), 3, False, True),
    }
    e_t.refresh_from_db()
    assert (e_t.state, e_t.entered_name, e_t.approver_name) == ("approved", "unit_t", "lead")
    assert AuditEntry.objects.filter(action="race.entry_approve").count() == 2


def test_entry_refusals(district, race, lead, make_user):
    season = services.season_add(actor=lead, race=race, code="2025-Q2")
    node = Node.objects.get(name="招商引资额")
    outsider = make_user("unit_u", ("unit_admin", district.town2))

    def submit(actor=lead, participant=district.town, value="5", evidence="材料", node=node):
        return services.entry_submit(
            actor=actor,
            season=season,
            node=node,
            participant=participant,
            value=value,
            evidence=evidence,
        )

    with pytest.raises(ValidationError) as exc:
        submit(participant=district.v1)
    assert exc.value.message_dict == {"participant": ["东关村党支部不是本比拼的参赛单位"]}
    with pytest.raises(ValidationError) as exc:
        submit(value="-1", evidence=" ")
    assert exc.value.message_dict == {"value": ["数值不能为负数"], "evidence": ["请填写佐证说明"]}
    with pytest.raises(ValidationError) as exc:
        submit(node=Node.objects.get(name="组织覆盖"))
    assert exc.value.message_dict == {"node": ["该指标不是本比拼的手工填报指标"]}
    with pytest.raises(PermissionDenied):
        submit(actor=outsider)  # 陈溪乡's liaison entering for 东关街道
    mine = submit()
    with pytest.raises(ValidationError) as exc:
        services.entry_decide(actor=lead, entry=mine, approve=True)
    assert exc.value.messages == ["不能审核自己填报的数据"]
    with pytest.raises(ValidationError) as exc:
        services.entry_decide(actor=None, entry=mine, approve=False)
    assert exc.value.message_dict == {"reason": ["退回时请填写理由"]}
    with pytest.raises(PermissionDenied):
        services.entry_decide(actor=outsider, entry=mine, approve=True)
    assert ManualEntry.objects.get().state == "submitted"


def test_direct_score_outside_range_refused(district, race):
    board = race.boards.get(name="招商引资榜")
    services.board_save(
        actor=None,
        board=board,
        nodes=[{"name": "招商引资额", "points": 100, "source": "manual", "method": "direct"}],
    )
    season = services.season_add(actor=None, race=race, code="2025-Q2")
    with pytest.raises(ValidationError) as exc:
        services.entry_submit(
            actor=None,
            season=season,
            node=Node.objects.get(name="招商引资额"),
            participant=district.town,
            value="100.5",
            evidence="x",
        )
    assert exc.value.message_dict == {"value": ["得分应在0到100分之间"]}
    assert not ManualEntry.objects.exists()


@pytest.mark.parametrize(
    ("nodes", "message"),
    [
        (
            [{**EFFICIENCY[0], "points": 50}, EFFICIENCY[1]],
            "榜单各项分值之和为90，应等于100",
        ),
        (
            [EFFICIENCY[0], {**EFFICIENCY[1], "key": "rectify.no_such"}],
            "按期销号率：unknown indicator: rectify.no_such",
        ),
        (
            [EFFICIENCY[0], {**EFFICIENCY[1], "filters": {"colour": "red"}}],
            "按期销号率：rectify.problems_closed does not accept the filter 'colour' "
            "(accepts: campaign, category, key_area, source)",
        ),
        (
            [
                {
                    "name": "综合",
                    "points": 100,
                    "children": [EFFICIENCY[0], {**EFFICIENCY[1], "points": 30}],
                }
            ],
            "综合各项分值之和为90，应等于100",
        ),
        (
            [EFFICIENCY[0], {**EFFICIENCY[1], "method": "linear", "params": {"k": 1}}],
            "按期销号率：计分参数缺少target",
        ),
    ],
)
def test_board_save_refusals(race, nodes, message):
    board = race.boards.get(name="作风效能榜")
    before = list(board.nodes.values_list("name", "points", "indicator_key"))
    with pytest.raises(ValidationError) as exc:
        services.board_save(actor=None, board=board, nodes=nodes)
    assert exc.value.messages == [message]
    assert list(board.nodes.values_list("name", "points", "indicator_key")) == before


def test_board_with_group_nodes(district, race):
    _q2_data(district)
    board = race.boards.get(name="作风效能榜")
    nodes = [{"name": "综合", "points": 100, "children": EFFICIENCY}]
    services.board_save(actor=None, board=board, nodes=nodes)
    assert services.board_spec(board)["nodes"][0]["children"][1]["key"] == "rectify.on_time_rate"
    season = services.season_add(actor=None, race=race, code="2025-Q2")
    services.season_compute(actor=None, season=season)
    assert _leaf(season, "U", "综合/按期销号率").points == d("40.00")
    assert _scores(season, "作风效能榜")["U"][0] == d("90.00")


def test_publish_freezes_the_snapshot(district, race, lead):
    _q2_data(district)
    season = services.season_add(actor=lead, race=race, code="2025-Q2")
    services.season_compute(actor=lead, season=season)
    services.season_publish(actor=lead, season=season)
    frozen = _scores(season, "作风效能榜")
    # Later data and a new board rule change nothing in the published season.
    problem(district.dept_branch, closed=D(2025, 6, 2), deadline=D(2025, 6, 30))
    board = race.boards.get(name="作风效能榜")
    services.board_save(
        actor=None,
        board=board,
        nodes=[EFFICIENCY[0], {**EFFICIENCY[1], "params": {"target": "0.9", "k": "2"}}],
    )
    with pytest.raises(ValidationError) as exc:
        services.season_compute(actor=lead, season=season)
    assert exc.value.messages == ["2025年第二季度已发布，不能重新计算"]
    with pytest.raises(ValidationError) as exc:
        services.entry_submit(
            actor=lead,
            season=season,
            node=Node.objects.get(name="招商引资额"),
            participant=district.town,
            value="1",
            evidence="x",
        )
    assert exc.value.messages == ["2025年第二季度已发布，不能再填报"]
    assert _scores(season, "作风效能榜") == frozen
    assert _leaf(season, "T", "按期销号率").rule.startswith("线性计分：达到100%")


def test_three_seasons_on_black_list_flag_a_talk(district, race, lead):
    board = race.boards.get(name="作风效能榜")
    services.board_save(actor=None, board=board, nodes=[{**EFFICIENCY[0], "points": 100}])
    seasons = [services.season_add(actor=lead, race=race, code=f"2025-Q{q}") for q in (1, 2, 3)]
    for s in seasons:
        services.season_compute(actor=lead, season=s)
        services.season_publish(actor=lead, season=s)
        if s.code == "2025-Q2":
            assert not TalkFlag.objects.exists()
    # 组织覆盖 only: T 1st (red); DA and U share the bottom (black) every season.
    flags = TalkFlag.objects.filter(board=board).order_by("participant__code")
    assert [(f.participant.code, f.season.code, f.seasons) for f in flags] == [
        ("DA", "2025-Q3", "2025-Q1、2025-Q2、2025-Q3"),
        ("U", "2025-Q3", "2025-Q1、2025-Q2、2025-Q3"),
    ]
    published = AuditEntry.objects.filter(action="race.publish").order_by("seq").last()
    assert len(published.after["talk_flags"]) == 2


def test_progress_board_and_previous_rank(district, race):
    q1 = services.season_add(actor=None, race=race, code="2025-Q1")
    services.season_compute(actor=None, season=q1)
    # Q1: no problems → on-time rate missing for all: T 60, DA 50, U 50.
    assert _scores(q1, "作风效能榜")["U"][1] == 2
    _q2_data(district)
    q2 = services.season_add(actor=None, race=race, code="2025-Q2")
    services.season_compute(actor=None, season=q2)
    rows = {
        s.participant.code: (s.previous_rank, s.rank, s.rank_change, s.progress)
        for s in BoardScore.objects.filter(season=q2, board__name="作风效能榜")
    }
    assert rows == {"U": (2, 1, 1, True), "T": (1, 2, -1, False), "DA": (2, 3, -1, False)}


def test_only_the_lead_office_computes(district, race, make_user):
    season = services.season_add(actor=None, race=race, code="2025-Q2")
    unit = make_user("unit_t", ("unit_admin", district.town))
    leader = make_user("leader", ("leader", district.root))
    stranger = make_user("nobody")
    for user, error in ((unit, PermissionDenied), (leader, PermissionDenied), (stranger, Http404)):
        with pytest.raises(error):
            services.season_compute(actor=user, season=season)
        with pytest.raises(error):
            services.season_publish(actor=user, season=season)
    season.refresh_from_db()
    assert season.state == "open" and not BoardScore.objects.exists()


def test_race_create_refusals(district):
    with pytest.raises(ValidationError) as exc:
        services.race_create(
            actor=None, name=" ", lead_org=district.town, participants=[district.v1, district.dept]
        )
    assert exc.value.message_dict == {
        "name": ["请填写名称"],
        "participants": ["参赛单位必须是牵头单位的下级组织：区财政局"],
    }
    with pytest.raises(ValidationError) as exc:
        services.season_add(actor=None, race=build_race(district), code="2025-Q5")
    assert exc.value.messages == ["赛季编号应为“年份-Q季度”，如2025-Q2：2025-Q5"]


def test_indicators_count_published_lists_only(district, race):
    from zuofeng.core.indicators import Period, get

    _q2_data(district)
    season = services.season_add(actor=None, race=race, code="2025-Q2")
    services.season_compute(actor=None, season=season)
    period = Period(D(2025, 3, 1), D(2025, 9, 30))
    red, black = get("races.red_list_places"), get("races.black_list_places")
    assert (red.value(district.root.path, period), black.value(district.root.path, period)) == (
        0,
        0,
    )
    services.season_publish(actor=None, season=season)
    # 作风效能榜: U red, DA black; 招商引资榜: nobody has data, all tied → on neither list.
    assert red.value(district.root.path, period) == 1
    assert red.value(district.town2.path, period) == 1
    assert black.by_child(district.root.path, len(district.dept.path), period) == {
        district.dept.path: 1
    }
    assert get("races.talk_flags").value(district.root.path, period) == 0
