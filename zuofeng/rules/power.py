"""The step-by-step check of a micro-power case against its item's process (四议两公开):
missing steps, steps out of order, quorum, notice given too late, an amount above the item's
threshold decided without the full procedure, and missing documents."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from zuofeng.rules.checks import money
from zuofeng.rules.choices import FlagKind


@dataclass(frozen=True)
class Found:
    kind: str
    step: object | None  # PowerStep
    slot: int
    explanation: str


def required(item, step, amount: Decimal | None) -> bool:
    """Every step is required above the threshold; at or below it only the `always` steps."""
    if step.always or item.threshold is None:
        return True
    return amount is not None and amount > item.threshold


def check_case(item, template: list, amount: Decimal | None, done: dict) -> list[Found]:
    """`template`: the item's steps in order; `done`: step id → CaseStep. Pure: no queries."""
    found: list[Found] = []
    previous = None  # the last step done, in the template's order
    latest = None  # the latest date of the steps done so far
    for step in template:
        record = done.get(step.pk)
        if record is None:
            if not required(item, step, amount):
                continue
            if step.always or item.threshold is None:
                text = _("缺少步骤“%(s)s”") % {"s": step.name}
                found.append(Found(FlagKind.MISSING, step, step.order, text))
            else:
                text = _("金额 %(a)s 元超过限额 %(t)s 元，未履行“%(s)s”") % {
                    "a": money(amount),
                    "t": money(item.threshold),
                    "s": step.name,
                }
                found.append(Found(FlagKind.THRESHOLD, step, step.order, text))
            continue
        if latest is not None and record.date < latest[0]:
            text = _("“%(s)s”（%(d)s）早于前序步骤“%(p)s”（%(pd)s）") % {
                "s": step.name,
                "d": record.date.isoformat(),
                "p": latest[1].name,
                "pd": latest[0].isoformat(),
            }
            found.append(Found(FlagKind.ORDER, step, step.order, text))
        if step.notice_days and previous is not None:
            days = (record.date - previous[0]).days
            if days > step.notice_days:
                text = _("“%(s)s”在“%(p)s”后第 %(n)d 天才进行，超过 %(m)d 天时限") % {
                    "s": step.name,
                    "p": previous[1].name,
                    "n": days,
                    "m": step.notice_days,
                }
                found.append(Found(FlagKind.NOTICE, step, step.order, text))
        quorum = _quorum(step, record)
        if quorum:
            found.append(Found(FlagKind.QUORUM, step, step.order, "；".join(quorum)))
        missing_docs = [d for d in step.document_list if d not in record.document_list]
        if missing_docs:
            text = _("“%(s)s”缺少材料：%(d)s") % {"s": step.name, "d": "、".join(missing_docs)}
            found.append(Found(FlagKind.DOCUMENTS, step, step.order, text))
        previous = (record.date, step)
        if latest is None or record.date >= latest[0]:
            latest = (record.date, step)
    return found


def _quorum(step, record) -> list[str]:
    """Attendance ≥ num/den of those due; agreement > num/den of those due."""
    out: list[str] = []
    if not (step.attend_den or step.agree_den):
        return out
    due = record.due
    if not due:
        return [_("“%(s)s”未记录应到人数") % {"s": step.name}]
    if step.attend_den:
        present = record.present or 0
        if present * step.attend_den < due * step.attend_num:
            out.append(
                _("“%(s)s”实到 %(p)d 人，不足应到 %(d)d 人的 %(n)d/%(m)d")
                % {
                    "s": step.name,
                    "p": present,
                    "d": due,
                    "n": step.attend_num,
                    "m": step.attend_den,
                }
            )
    if step.agree_den:
        votes = record.votes_for or 0
        if votes * step.agree_den <= due * step.agree_num:
            out.append(
                _("“%(s)s”同意 %(v)d 人，未超过应到 %(d)d 人的 %(n)d/%(m)d")
                % {"s": step.name, "v": votes, "d": due, "n": step.agree_num, "m": step.agree_den}
            )
    return out
