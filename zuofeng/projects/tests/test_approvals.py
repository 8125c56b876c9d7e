"""Critical-path arithmetic on crafted cases, across holidays; closing rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from zuofeng.core.calendar import WorkCalendar
from zuofeng.projects import approvals
from zuofeng.projects.approvals import Span, critical_path
from zuofeng.projects.models import ApprovalCase, ApprovalStep

D = dt.date


def test_critical_path_serial_parallel_mixed():
    assert critical_path([Span(None, 3), Span(None, 4)]) == 7
    assert critical_path([Span(1, 3), Span(1, 9), Span(1, 4)]) == 9
    # serial 2, group 1 (5, 8) → 8, serial 1, group 2 (4, 4) → 4
    spans = [Span(None, 2), Span(1, 5), Span(1, 8), Span(None, 1), Span(2, 4), Span(2, 4)]
    assert critical_path(spans) == 2 + 8 + 1 + 4
    assert critical_path([]) == 0


@pytest.fixture
def matter(district):
    return approvals.matter_create(actor=None, name="测试一件事", owner=district.dept, groups=[])


def _case(matter, number="C1", submitted=D(2025, 9, 25)):
    return approvals.case_create(
        actor=None, number=number, matter=matter, applicant="某公司", submitted_date=submitted
    )


def test_case_figures_across_the_national_day_holiday(district, matter):
    # 1–8 October 2025 are holidays; Sunday 28 September and Saturday 11 October are worked.
    cal = WorkCalendar()
    assert cal.workdays_between(D(2025, 9, 30), D(2025, 10, 9)) == 1
    case = _case(matter)
    add = approvals.step_add
    add(
        actor=None,
        case=case,
        name="受理",
        department=district.dept,
        start_date=D(2025, 9, 26),
        end_date=D(2025, 9, 30),
        statutory_days=2,
    )
    add(
        actor=None,
        case=case,
        name="规划",
        department=district.dept,
        parallel_group=1,
        start_date=D(2025, 9, 30),
        end_date=D(2025, 10, 9),
        statutory_days=20,
    )
    add(
        actor=None,
        case=case,
        name="施工",
        department=district.dept,
        parallel_group=1,
        start_date=D(2025, 9, 30),
        end_date=D(2025, 10, 14),
        statutory_days=15,
    )
    case.refresh_from_db()
    steps = {s.name: s.working_days for s in ApprovalStep.objects.filter(case=case)}
    # 受理: 28 (Sun, worked), 29, 30 → 3; 规划: 9 Oct → 1; 施工: 9, 10, 11 (Sat), 13, 14 → 5
    assert steps == {"受理": 3, "规划": 1, "施工": 5}
    assert case.actual_days == 3 + 5
    assert case.baseline_days == 37
    closed = approvals.case_close(actor=None, case=case)
    assert (closed.state, closed.finished_date) == ("closed", D(2025, 10, 14))


def test_bad_steps_write_nothing(district, matter):
    case = _case(matter)
    with pytest.raises(ValidationError) as e:
        approvals.step_add(
            actor=None,
            case=case,
            name="x",
            department=district.dept,
            start_date=D(2025, 10, 10),
            end_date=D(2025, 10, 9),
            statutory_days=5,
        )
    assert "结束日期不能早于开始日期" in str(e.value)
    serial = approvals.matter_create(
        actor=None, name="串联事项", owner=district.dept, groups=[], serial_only=True
    )
    case2 = _case(serial, "C2")
    with pytest.raises(ValidationError) as e:
        approvals.step_add(
            actor=None,
            case=case2,
            name="x",
            department=district.dept,
            start_date=D(2025, 10, 10),
            statutory_days=5,
            parallel_group=1,
        )
    assert "仅限串联" in str(e.value)
    assert ApprovalStep.objects.count() == 0


def test_parallel_group_in_a_serial_only_matter_is_refused(district):
    item = approvals.item_create(
        actor=None, name="施工许可", department=district.dept, statutory_days=15, promised_days=5
    )
    with pytest.raises(ValidationError):
        approvals.matter_create(
            actor=None,
            name="串联",
            owner=district.dept,
            groups=[("parallel", [item])],
            serial_only=True,
        )


def test_required_stage_must_be_passed_in_order(district, matter):
    case = approvals.case_create(
        actor=None,
        number="C9",
        matter=matter,
        applicant="甲",
        submitted_date=D(2025, 5, 1),
        required=[("考古调查勘探", "土地供应")],
    )
    approvals.step_add(
        actor=None,
        case=case,
        name="土地供应",
        department=district.dept,
        start_date=D(2025, 5, 6),
        end_date=D(2025, 5, 9),
        statutory_days=10,
    )
    with pytest.raises(ValidationError) as e:
        approvals.case_close(actor=None, case=case)
    assert "缺少必经环节“考古调查勘探”" in str(e.value)
    approvals.step_add(
        actor=None,
        case=case,
        name="考古调查勘探",
        department=district.dept,
        start_date=D(2025, 5, 6),
        end_date=D(2025, 5, 20),
        statutory_days=30,
    )
    with pytest.raises(ValidationError) as e:
        approvals.case_close(actor=None, case=case)
    assert "须在“土地供应”之前完成" in str(e.value)
    assert ApprovalCase.objects.get(pk=case.pk).state == "open"
