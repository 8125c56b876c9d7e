"""Demo: the campaign period of the source report (2025-03-01 to 2025-09-30) as a campaign the
dashboard opens on, and a briefing template whose paragraphs follow the report — every number
in it a placeholder computed from the demo's records."""

from __future__ import annotations

import datetime as dt
import io

from zuofeng.core import demo
from zuofeng.core.documents import OfficialDocument

CAMPAIGN = "深入贯彻中央八项规定精神学习教育"
START, END = dt.date(2025, 3, 1), dt.date(2025, 9, 30)
TEMPLATE = "学习教育总结简报（按区报告）"


def _code(name: str) -> str:
    """A department by the name the report uses (its short name, or its name)."""
    from django.db.models import Q

    from zuofeng.orgs.models import Org

    return Org.objects.get(Q(short_name=name) | Q(name=name), parent__parent__isnull=True).code


def report_template() -> bytes:
    """The source report's paragraphs with their figures as placeholders."""
    zone, eco, police = _code("杭州湾上虞经开区"), _code("生态环境分局"), _code("区公安分局")
    league, centre, culture = _code("团区委"), _code("区企服中心"), _code("区文广旅游局")
    doc = OfficialDocument()
    doc.red_header("作风建设工作简报", "第{{期数}}期", "{{编发单位}}", "{{日期}}")
    doc.title("以学促干强作风 以效验学见真章")
    doc.paragraph(
        "{{起止}}，{{范围简称}}聚焦深入贯彻中央八项规定精神学习教育，推动学习教育与作风建设"
        "一体推进。现将有关情况简报如下。"
    )
    doc.heading1("一、学深悟透，推动学习教育到底到边")
    doc.paragraph(
        "全区{{orgs.departments}}个区级部门、{{orgs.towns}}个乡镇街道、"
        "{{orgs.grassroots}}个基层党组织（其中村社{{orgs.grassroots_village}}个、两新"
        "{{orgs.grassroots_two_new}}个）全面开展学习，累计开展集中学习研讨、专题党课等"
        "{{study.sessions|约}}场，参学{{study.person_times|约}}人次。虞青学习社围绕“五个一”"
        "开展活动{{study.youth_activities}}场次、覆盖{{study.youth_person_times|约}}人次。"
    )
    doc.heading1("二、查改并举，推动问题整改动真碰硬")
    doc.paragraph(
        "区领导领衔整治项目{{rectify.leader_projects}}个，开展问题查摆整改"
        "{{rectify.rounds_closed}}轮；开展正风肃纪检查{{rectify.inspections}}次，印发通报"
        "{{rectify.circulars}}期，发现并推动整改问题"
        "{{rectify.problems_found?source=正风肃纪检查}}个。"
    )
    doc.heading1("三、服务大局，推动作风转化为发展实效")
    doc.paragraph(
        f"{{{{单位:{zone}}}}}常态化开展“爱企行动”，累计协调解决产业项目和企业问题"
        f"{{{{service.enterprise_requests_resolved@{zone}?channel=网格员上报}}}}个，帮扶企业兑现资金"
        f"{{{{service.funds_delivered@{zone}}}}}，惠及企业{{{{service.funds_enterprise_times@{zone}}}}}家次。"
        f"{{{{单位:{eco}}}}}走访服务企业{{{{service.visits@{eco}}}}}家次，指导环评审批等问题"
        f"{{{{service.enterprise_requests_resolved@{eco}?category=环评}}}}个；"
        f"{{{{单位:{police}}}}}为{{{{service.enterprise_requests_resolved@{police}?category=涉法涉企}}}}"
        "家企业解冻账户。"
        f"{{{{单位:{centre}}}}}协调处理企业和群众难题{{{{service.requests_resolved@{centre}}}}}个，"
        f"并联审批办事环节{{{{approvals.parallel_steps@{centre}}}}}个，压缩办事时间"
        f"{{{{approvals.days_saved@{centre}}}}}天。"
        f"{{{{单位:{culture}}}}}“城建+文物审批一件事”服务各项目规划{{{{approvals.cases@{culture}}}}}个，"
        f"审批周期较以往缩短{{{{approvals.cycle_reduction_rate@{culture}}}}}。"
    )
    doc.heading1("四、为民办事，推动群众获得感持续提升")
    doc.paragraph(
        "各村社开展邻里文化活动{{practice.activities?kind=邻里文化活动|约}}次，完成年度民生实事项目"
        "{{projects.completed?kind=民生实事项目}}个。“百个部门联百村（社）”结对领办机关效能项目"
        "{{projects.started?kind=机关效能项目}}个、结对民生实事项目"
        "{{projects.started?kind=结对民生实事项目}}个。"
        f"{{{{单位:{league}}}}}推出暑期托班、冬令营等特色班次，覆盖少儿"
        f"{{{{programmes.enrolments@{league}|约}}}}人。"
    )
    doc.distribution(
        [
            "报：区委、区人大常委会、区政府、区政协主要领导",
            "发：各乡镇（街道）党（工）委，区级各部门",
        ],
        "{{编发单位}}",
        "{{日期}}",
    )
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _exists() -> bool:
    from zuofeng.dashboard.models import BriefingTemplate

    return BriefingTemplate.objects.filter(name=TEMPLATE).exists()


def _build() -> str:
    from zuofeng.dashboard import services as briefing_services
    from zuofeng.rectify import services

    services.campaign_save(
        actor=None,
        name=CAMPAIGN,
        start_date=START,
        end_date=END,
        description="集中学习教育期间：驾驶舱和简报的默认统计期",
    )
    briefing_services.template_save(
        actor=None,
        name=TEMPLATE,
        content=report_template(),
        note="段落与数字口径同区报告，数字由记录计算",
    )
    return f"campaign {CAMPAIGN} {START}–{END}; briefing template {TEMPLATE}"


demo.register("dashboard: campaign and briefing template", exists=_exists, build=_build)
