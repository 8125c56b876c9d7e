"""The printable notice of a season's results (比拼结果通报), in the GB/T 9704 layout."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from zuofeng.core.documents import OfficialDocument, chinese_date
from zuofeng.races import selectors
from zuofeng.races.models import Season

NUMBERS = "一二三四五六七八九十"


def _names(scores) -> str:
    return "、".join(
        _("%(n)s（%(t)s分）") % {"n": s.participant.name, "t": s.total} for s in scores
    ) or _("无")


def season_notice(season: Season) -> OfficialDocument:
    """Red header, title, one section per board (红榜, 黑榜, 进步榜), the 约谈 flags, signature."""
    race = season.race
    day = timezone.localdate(season.published_at or season.computed_at or timezone.now())
    doc = OfficialDocument()
    doc.red_header(_("作风建设赛马比拼通报"), season.name, race.lead_org.name, day)
    title = _("关于%(r)s%(s)s比拼结果的通报") % {"r": race.name, "s": season.name}
    if not season.published:
        title += _("（未发布稿）")
    doc.title(title)
    doc.paragraph(_("各参赛单位："))
    boards = selectors.season_boards(season)
    doc.paragraph(
        _(
            "根据“四季比拼、五榜赛马”工作安排，现将%(s)s（%(a)s至%(b)s）%(n)d个榜单的比拼结果"
            "通报如下。各项得分由平台依据各单位业务记录自动计算，手工填报事项均经牵头办审核。"
        )
        % {
            "s": season.name,
            "a": chinese_date(season.start),
            "b": chinese_date(season.end),
            "n": len(boards),
        }
    )
    for i, board in enumerate(boards):
        doc.heading1(f"{NUMBERS[i % 10]}、{board.name}")
        doc.paragraph(_("红榜：%(x)s。") % {"x": _names(board.red)})
        doc.paragraph(_("黑榜：%(x)s。") % {"x": _names(board.black)})
        progress = "、".join(
            _("%(n)s（上升%(c)d位）") % {"n": s.participant.name, "c": s.rank_change}
            for s in board.progress
        )
        doc.paragraph(_("进步榜：%(x)s。") % {"x": progress or _("无")})
    flags = list(selectors.talk_flags(race).filter(season=season))
    n = len(boards)
    doc.heading1(f"{NUMBERS[n % 10]}、" + _("约谈提醒"))
    if flags:
        for f in flags:
            doc.paragraph(
                _("%(p)s连续三个赛季（%(s)s）位列%(b)s黑榜，按规定由牵头办进行约谈。")
                % {"p": f.participant.name, "s": f.seasons, "b": f.board.name}
            )
    else:
        doc.paragraph(_("本赛季无连续三个赛季位列黑榜的单位。"))
    doc.heading1(f"{NUMBERS[(n + 1) % 10]}、" + _("有关要求"))
    doc.paragraph(
        _(
            "上榜红榜的单位要总结经验、再接再厉；位列黑榜的单位要深入查找原因，"
            "制定整改措施，于通报印发后10个工作日内将整改情况报牵头办。"
        )
    )
    doc.signature(race.lead_org.name, day)
    doc.distribution([_("发：各参赛单位")], race.lead_org.name, day)
    return doc
