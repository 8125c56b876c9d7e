"""Indicators of the service module. Requests are scoped by the unit holding them (the lead
unit once assigned), visits by the visiting unit; requests narrow by category and channel (the
Chinese names)."""

from django.db.models import F, Q

from zuofeng.core.indicators import (
    CountIndicator,
    DistinctCountIndicator,
    Period,
    ShareIndicator,
    SumIndicator,
    choice_filter,
    lookup_filter,
    register,
)
from zuofeng.service.choices import SATISFIED_VALUES, Channel, Kind
from zuofeng.service.models import RequestCategory, ServiceRequest, Visit

FILTERS = {
    "category": lookup_filter(RequestCategory, "category", "request category"),
    "channel": choice_filter("channel", dict(Channel.choices), "channel"),
}
PATH = "unit_path"  # the unit's path, copied on the request (zuofeng.core.subtree)


# What the rates' numerators ask of their denominators' records (ShareIndicator).
ON_TIME = Q(resolved_date__lte=F("deadline"))
SIGNED_ON_TIME = Q(signed_date__lte=F("sign_deadline"))
SATISFIED = Q(satisfaction__in=list(SATISFIED_VALUES))


def _received(p: Period):
    return ServiceRequest.objects.filter(submitted_date__gte=p.start, submitted_date__lte=p.end)


def _resolved(p: Period):
    return ServiceRequest.objects.filter(resolved_date__gte=p.start, resolved_date__lte=p.end)


def _signed(p: Period):
    return ServiceRequest.objects.filter(signed_date__gte=p.start, signed_date__lte=p.end)


def _rated(p: Period):
    return ServiceRequest.objects.filter(rated_date__gte=p.start, rated_date__lte=p.end).exclude(
        satisfaction=""
    )


def _visits(p: Period):
    return Visit.objects.filter(date__gte=p.start, date__lte=p.end)


received = CountIndicator(
    "service.requests_received",
    "受理诉求数",
    "个",
    PATH,
    FILTERS,
    "提出日期在统计期内的诉求",
    month_field="submitted_date",
    records_fn=_received,
)
resolved = CountIndicator(
    "service.requests_resolved",
    "办结诉求数",
    "个",
    PATH,
    FILTERS,
    "办结日期在统计期内的诉求（企业和群众）",
    month_field="resolved_date",
    records_fn=_resolved,
)
enterprise_resolved = CountIndicator(
    "service.enterprise_requests_resolved",
    "办结企业诉求数",
    "个",
    PATH,
    FILTERS,
    "办结日期在统计期内的企业诉求",
    month_field="resolved_date",
    records_fn=lambda p: _resolved(p).filter(kind=Kind.ENTERPRISE),
)
citizen_resolved = CountIndicator(
    "service.citizen_requests_resolved",
    "办结群众诉求数",
    "个",
    PATH,
    FILTERS,
    "办结日期在统计期内的群众诉求",
    month_field="resolved_date",
    records_fn=lambda p: _resolved(p).filter(kind=Kind.CITIZEN),
)
resolved_with_deadline = CountIndicator(
    "service.requests_resolved_with_deadline",
    "有办理时限的办结诉求数",
    "个",
    PATH,
    FILTERS,
    "办结日期在统计期内、有办理时限的诉求",
    records_fn=lambda p: _resolved(p).filter(deadline__isnull=False),
)
resolved_on_time = CountIndicator(
    "service.requests_resolved_on_time",
    "按期办结诉求数",
    "个",
    PATH,
    FILTERS,
    "办结日期在统计期内、且不晚于办理时限（含批准的延期）的诉求",
    records_fn=lambda p: _resolved(p).filter(deadline__isnull=False).filter(ON_TIME),
)
signed = CountIndicator(
    "service.requests_signed",
    "签收诉求数",
    "个",
    PATH,
    FILTERS,
    "签收日期在统计期内、有签收时限的诉求",
    records_fn=lambda p: _signed(p).filter(sign_deadline__isnull=False),
)
signed_on_time = CountIndicator(
    "service.requests_signed_on_time",
    "按时签收诉求数",
    "个",
    PATH,
    FILTERS,
    "签收日期在统计期内、且不晚于签收时限的诉求",
    records_fn=lambda p: _signed(p).filter(sign_deadline__isnull=False).filter(SIGNED_ON_TIME),
)
rated = CountIndicator(
    "service.requests_rated",
    "评价诉求数",
    "个",
    PATH,
    FILTERS,
    "评价日期在统计期内的诉求",
    records_fn=_rated,
)
satisfied = CountIndicator(
    "service.requests_satisfied",
    "满意和基本满意诉求数",
    "个",
    PATH,
    FILTERS,
    "评价日期在统计期内、评价为满意或基本满意的诉求",
    records_fn=lambda p: _rated(p).filter(SATISFIED),
)

register(
    received,
    resolved,
    enterprise_resolved,
    citizen_resolved,
    resolved_with_deadline,
    resolved_on_time,
    signed,
    signed_on_time,
    rated,
    satisfied,
    ShareIndicator(
        "service.on_time_rate",
        "诉求按期办结率",
        "%",
        resolved_on_time,
        resolved_with_deadline,
        "统计期内办结的诉求中，按期办结的比例",
        subset=ON_TIME,
    ),
    ShareIndicator(
        "service.sign_on_time_rate",
        "诉求按时签收率",
        "%",
        signed_on_time,
        signed,
        "统计期内签收的诉求中，按时签收的比例",
        subset=SIGNED_ON_TIME,
    ),
    ShareIndicator(
        "service.satisfaction_rate",
        "诉求满意率",
        "%",
        satisfied,
        rated,
        "统计期内评价的诉求中，满意和基本满意的比例",
        subset=SATISFIED,
    ),
    SumIndicator(
        "service.funds_delivered",
        "帮扶企业兑现资金",
        "元",
        PATH,
        FILTERS,
        "办结日期在统计期内的诉求的兑现资金之和",
        records_fn=_resolved,
        sum_field="funds",
    ),
    CountIndicator(
        "service.funds_enterprise_times",
        "兑现资金惠及企业家次",
        "家次",
        PATH,
        FILTERS,
        "办结日期在统计期内、兑现资金大于0的企业诉求（每件计一家次）",
        records_fn=lambda p: _resolved(p).filter(Q(funds__gt=0), kind=Kind.ENTERPRISE),
    ),
    CountIndicator(
        "service.visits",
        "走访服务企业家次",
        "家次",
        "unit__path",
        {},
        "走访日期在统计期内、走访单位在范围内的走访",
        month_field="date",
        records_fn=_visits,
    ),
    DistinctCountIndicator(
        "service.enterprises_visited",
        "走访企业数",
        "家",
        "unit__path",
        {},
        "走访日期在统计期内被走访的企业（按企业去重）",
        records_fn=_visits,
        distinct_field="enterprise",
    ),
)


def _register_panel() -> None:
    from zuofeng.dashboard import panels
    from zuofeng.service.choices import STATE_ORDER
    from zuofeng.service.transitions import REQUEST_LOOP

    panels.register(
        panels.LoopPanel(
            key="requests",
            title="诉求办理",
            records=lambda: ServiceRequest.objects.all(),
            path_field="unit_path",
            shown=("number", "content"),
            date_field="submitted_date",
            loop=REQUEST_LOOP,
            stages=tuple(STATE_ORDER),
        )
    )


_register_panel()
