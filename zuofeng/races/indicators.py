"""Indicators of the competitions, from published seasons only (a computed season may still
change): places on red and black lists, and 约谈 flags, by the participant's subtree and the
season's end date."""

from zuofeng.core.indicators import CountIndicator, Period, register
from zuofeng.races.choices import SeasonState
from zuofeng.races.models import BoardScore, TalkFlag


def _scores(p: Period):
    return BoardScore.objects.filter(
        season__state=SeasonState.PUBLISHED, season__end__gte=p.start, season__end__lte=p.end
    )


register(
    CountIndicator(
        "races.red_list_places",
        "上红榜次数",
        "次",
        "participant__path",
        {},
        "统计期内结束并已发布的赛季中，单位登上各榜单红榜的次数",
        records_fn=lambda p: _scores(p).filter(red=True),
    ),
    CountIndicator(
        "races.black_list_places",
        "上黑榜次数",
        "次",
        "participant__path",
        {},
        "统计期内结束并已发布的赛季中，单位登上各榜单黑榜的次数",
        records_fn=lambda p: _scores(p).filter(black=True),
    ),
    CountIndicator(
        "races.talk_flags",
        "连续三季上黑榜约谈数",
        "个",
        "participant__path",
        {},
        "统计期内结束的赛季发布时，因连续三个赛季位列同一榜单黑榜而被提请约谈的单位次数",
        records_fn=lambda p: TalkFlag.objects.filter(
            season__end__gte=p.start, season__end__lte=p.end
        ),
    ),
)
