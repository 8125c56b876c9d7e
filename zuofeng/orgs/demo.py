"""The demo district: a deterministic 上虞区 shaped like the source report, as spreadsheet rows.

Pure: no database, no Django models. `district(seed)` returns the org rows and the people rows
keyed by the Chinese headers of the org and people spreadsheets, so the demo loads through the
same import path as a district's own files. The same seed always gives the same rows.

Shape (reference/district-report.txt): one district committee, 69 departments (区级部门), 20
towns/streets (乡镇街道), 3,270 grassroots party organisations below them — 1,733 village and
community (村/社) ones, 1,008 in new economic and social organisations (两新), 529 others (机关,
schools, hospitals, state enterprises) — and 45,000 people: 4,713 ordinary members and cadres in
机关 units, 89 区管领导干部 (one head per department and town), the rest in 村/社 and 两新.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

from zuofeng.core.validators import id_check_char

DEFAULT_SEED = 20250601
# Ages (young cadre ≤ 35) are reckoned on this day, so the figures do not drift with the clock.
REFERENCE_DATE = dt.date(2025, 6, 30)

ORG_HEADERS = ("组织编码", "组织名称", "上级组织编码", "组织类别", "简称", "排序号")
PERSON_HEADERS = (
    "姓名",
    "性别",
    "出生日期",
    "身份证号",
    "手机号",
    "所在组织编码",
    "政治面貌",
    "干部层级",
    "职务",
    "人员编号",
)

# Org kind names as seeded in choices.SEED_ORG_KINDS.
K_DISTRICT, K_DEPARTMENT, K_TOWN = "区委", "区级部门", "乡镇街道"
K_COMMITTEE, K_GENERAL, K_BRANCH = "党委", "党总支", "党支部"
K_VILLAGE, K_COMMUNITY, K_NEW, K_INSTITUTION = (
    "村党组织",
    "社区党组织",
    "两新党组织",
    "机关事业单位党组织",
)
GRASSROOTS_KINDS = frozenset(
    {K_COMMITTEE, K_GENERAL, K_BRANCH, K_VILLAGE, K_COMMUNITY, K_NEW, K_INSTITUTION}
)

ROOT_CODE = "SY"
DEPARTMENTS_TOTAL, TOWNS_TOTAL = 69, 20
GRASSROOTS_TOTAL, VILLAGE_COMMUNITY_TOTAL, NEW_ECONOMY_TOTAL = 3270, 1733, 1008
OTHER_TOTAL = GRASSROOTS_TOTAL - VILLAGE_COMMUNITY_TOTAL - NEW_ECONOMY_TOTAL  # 529
PEOPLE_TOTAL, OFFICE_PEOPLE_TOTAL = 45_000, 4713


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    """ "区委机构编制委员会办公室/区委编办 区委组织部" → ((name, short name), …)."""
    return tuple((name, short) for name, _, short in (t.partition("/") for t in text.split()))


def _weighted(text: str, sep: str = "") -> tuple[tuple[str, ...], tuple[int, ...]]:
    """("王72 李70", "") or ("330604:70", ":") → (values, cumulative weights)."""
    values, cumulative, total = [], [], 0
    for token in text.split():
        value, weight = token.split(sep) if sep else (token[0], token[1:])
        total += int(weight)
        values.append(value)
        cumulative.append(total)
    return tuple(values), tuple(cumulative)


# (name, short name): the report names 区委办公室, 区委组织部, 区委宣传部, 区委编办, 区财政局,
# 区公安分局, 生态环境分局, 区文广旅游局, 区企服中心, 团区委 and 杭州湾上虞经开区; the rest are
# the usual offices of a Zhejiang district.
DEPARTMENTS = _pairs(
    "区委办公室/区委办 区人大常委会办公室/区人大办 区政府办公室/区府办 区政协办公室/区政协办 "
    "区纪委区监委机关/区纪委监委 区委组织部 区委宣传部 区委统战部 区委政法委 "
    "区委机构编制委员会办公室/区委编办 区委社会工作部/区委社工部 "
    "区委巡察工作领导小组办公室/区委巡察办 区直属机关工作委员会/区直机关工委 区委党校 区档案馆 "
    "区总工会 共青团上虞区委员会/团区委 区妇女联合会/区妇联 区科学技术协会/区科协 "
    "区文学艺术界联合会/区文联 区残疾人联合会/区残联 区工商业联合会/区工商联 "
    "区发展和改革局/区发改局 区经济和信息化局/区经信局 区教育体育局/区教体局 "
    "区科学技术局/区科技局 绍兴市公安局上虞区分局/区公安分局 区民政局 区司法局 区财政局 "
    "区人力资源和社会保障局/区人力社保局 绍兴市自然资源和规划局上虞分局/自然资源规划分局 "
    "绍兴市生态环境局上虞分局/生态环境分局 区住房和城乡建设局/区住建局 区交通运输局/区交通局 "
    "区水利局 区农业农村局 区商务局 区文化广电旅游局/区文广旅游局 "
    "区卫生健康局/区卫健局 区退役军人事务局/区退役军人局 区应急管理局/区应急局 区审计局 "
    "区市场监督管理局/区市场监管局 区统计局 区医疗保障局/区医保局 区综合行政执法局/区综合执法局 "
    "区信访局 区数据局 区国有资产管理服务中心/区国资中心 区机关事务管理中心/区机关事务中心 "
    "区企业综合服务中心/区企服中心 区融媒体中心 区投资促进中心/区投促中心 "
    "区公共资源交易中心/区公管中心 区供销合作社联合社/区供销社 区人民法院/区法院 "
    "区人民检察院/区检察院 国家税务总局绍兴市上虞区税务局/区税务局 区气象局 区消防救援大队 "
    "区人民武装部/区人武部 区住房公积金管理中心/区公积金中心 区史志研究室 区红十字会 "
    "区建设管理中心 区农业技术推广中心/区农技中心 杭州湾上虞经济技术开发区/杭州湾上虞经开区 "
    "曹娥江旅游度假区"
)

# 上虞's eight streets, ten towns and two townships (乡).
TOWNS: tuple[str, ...] = _words(
    "百官街道 曹娥街道 东关街道 道墟街道 梁湖街道 小越街道 崧厦街道 沥海街道 驿亭镇 盖北镇 "
    "谢塘镇 永和镇 丰惠镇 汤浦镇 章镇镇 下管镇 长塘镇 上浦镇 陈溪乡 岭南乡"
)


def dept_code(name: str) -> str:
    return f"D{[n for n, _ in DEPARTMENTS].index(name) + 1:02d}"


def town_code(name: str) -> str:
    return f"T{TOWNS.index(name) + 1:02d}"


FINANCE = dept_code("区财政局")
EDUCATION = dept_code("区教育体育局")
HEALTH = dept_code("区卫生健康局")
STATE_ASSETS = dept_code("区国有资产管理服务中心")
ZONE = dept_code("杭州湾上虞经济技术开发区")
EDITORIAL = dept_code("区委机构编制委员会办公室")
CHENXI = town_code("陈溪乡")
CAOE = town_code("曹娥街道")
# Fixed by construction (the first village of 陈溪乡), whatever the seed.
CHENJIAAO = f"{CHENXI}-V001"

# The org each demo account's role sits at (codes do not depend on the seed).
ANCHORS = {
    "root": ROOT_CODE,
    "finance": FINANCE,
    "chenjiaao": CHENJIAAO,
    "zone": ZONE,
    "caoe": CAOE,
}

# Common surnames with rough weights (per mille of the population), then given-name characters.
SURNAMES = _weighted(
    "王72 李70 张66 陈64 刘50 杨31 黄23 赵20 吴20 周19 徐18 孙15 马13 朱13 "
    "胡12 郭11 何11 林10 高10 罗10 郑9 梁9 谢7 宋6 唐6 许6 韩6 冯5 "
    "邓5 曹5 彭5 曾4 肖4 田4 董4 袁4 潘4 于4 蒋4 蔡4 余4 杜4 "
    "叶4 程3 苏3 魏3 吕3 丁3 任3 沈3 姚3 卢3 姜3 崔3 钟3 谭3 "
    "陆3 汪3 范3 金3 俞2 章2 倪2 顾2 严2 钱2 邵2 孟2 夏2 方2 "
    "戴2 傅2 葛1 裘1 屠1 竺1 楼1 娄1"
)
MALE_CHARS = "伟强军建国明华平刚勇杰涛斌波辉峰磊超鹏飞宇浩俊凯东亮林锋永忠海兴志祥荣庆振宏元龙达"
MALE_CHARS += "成德文武骏晨昊哲睿航"
FEMALE_CHARS = "芳娜敏静丽艳霞燕红梅玲娟英萍琴洁雪琳婷倩颖佳欣怡慧秀凤兰莉蓉瑶雯晶丹璐悦蕾菲妍"
COMMON_CHARS = "文晓海春秋立新宁安嘉子天晨思月云佳宇鑫建金益舒"

VILLAGE_FIRST = "东西南北新前后上下大小中王张陈沈何徐金谢杜丁许祝董梁施范俞贺孙夏叶宋姚马"
VILLAGE_SECOND = "岙溪桥山湖塘家浦港湾坂墩埠庄园岭头江堰门渡弄坞畈岗洋圩"
COMMUNITY_FIRST = "和锦新华江城阳康丰瑞安兴嘉泰龙凤舜虞春晖文明金玉绿景滨湖"
COMMUNITY_SECOND = "城苑园庭湾景府华阳都安兴泰和源悦"
FIRM_WORDS = _words(
    "龙盛 闰土 晶盛 卧龙 亚厦 春晖 舜宇 华通 恒丰 东海 天马 金科 新和成 永盛 宏达 瑞丰 安泰 "
    "博远 鸿运 海润 中天 诚信 德力 万象 嘉禾 凯达 远洋 华源 兴业 明珠 东升 曹娥江 虞舜 大舜 "
    "江滨 百川 蓝天 正泰 银河 金马"
)
FIRM_TRADES = _words(
    "化工 机械 纺织 电子 新材料 食品 伞业 光电 建设 物流 医药 电机 环保 汽车零部件 精密制造 "
    "智能科技 生物科技 印染 装饰 农业开发"
)
FIRM_FORMS = ("有限公司", "有限公司", "有限公司", "股份有限公司", "集团有限公司")
SOCIETY_FORMS = ("协会", "商会", "律师事务所", "会计师事务所", "行业协会", "社会工作服务中心")
SUBUNITS = _words(
    "事务服务中心 综合服务中心 执法大队 管理所 监测站 服务站 研究所 指导中心 信息中心 "
    "管理服务中心 档案室 培训中心 检测中心 发展中心 调查队 保障中心"
)
SCHOOL_NAMES = _words(
    "春晖中学 上虞中学 上虞城南中学 上虞职业中等专业学校 上虞区实验中学 上虞区外国语学校 "
    "上虞区实验小学 上虞区华维外国语学校"
)
HOSPITAL_NAMES = ("上虞人民医院", "上虞区中医医院", "上虞区妇幼保健院", "上虞区第二人民医院")
SOE_NAMES = _words(
    "上虞区城市建设集团有限公司 上虞区交通集团有限公司 上虞区水务集团有限公司 "
    "上虞区国有资本投资运营有限公司 上虞区文化旅游集团有限公司"
)
HOSPITAL_BRANCHES = ("内科", "外科", "医技", "门诊", "行政后勤", "护理", "离退休")
# Mostly 上虞区 (330604) and the former 上虞市 (330682), a few from the rest of 绍兴.
REGIONS = _weighted("330604:70 330682:15 330602:4 330603:4 330683:4 330624:3", sep=":")
PHONE_PREFIXES = [f"13{d}" for d in range(10)] + [f"15{d}" for d in "01235789"]
PHONE_PREFIXES += [f"18{d}" for d in range(10)] + ["166", "177", "199"]

ORDINALS = "一二三四五六七八九十"


def ordinal(n: int) -> str:
    if n <= 10:
        return ORDINALS[n - 1]
    tens, ones = divmod(n, 10)
    return (ORDINALS[tens - 1] if tens > 1 else "") + "十" + (ORDINALS[ones - 1] if ones else "")


@dataclass(frozen=True)
class DemoDistrict:
    """The rows of the demo district: orgs (parents before children) and people."""

    orgs: list[dict]
    people: list[dict]


@dataclass
class _Org:
    code: str
    name: str
    parent: str | None
    kind: str
    short: str = ""
    order: int = 0
    group: str = ""  # "village", "new", "office" (机关), "unit" (其他), "" for the 69+20+1
    weight: float = 0.0
    title: str = ""  # 职务 of the first person listed in it

    def row(self) -> dict:
        return {
            "组织编码": self.code,
            "组织名称": self.name,
            "上级组织编码": self.parent or "",
            "组织类别": self.kind,
            "简称": self.short,
            "排序号": self.order,
        }


def _split(total: int, weights: list[float]) -> list[int]:
    """Split `total` in proportion to `weights` exactly (largest remainder)."""
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    counts = [int(s) for s in shares]
    rest = sorted(range(len(shares)), key=lambda i: (counts[i] - shares[i], i))
    for i in rest[: total - sum(counts)]:
        counts[i] += 1
    return counts


class _Builder:
    def __init__(self, seed: int):
        self.rng = random.Random(f"zuofeng-demo:{seed}")
        self.orgs: list[_Org] = []
        # Village, community and firm names already used (the named ones are reserved).
        self.taken: set[str] = {"陈家岙村", "和城社区"}

    def add(self, code: str, name: str, parent: str | None, kind: str, **fields) -> _Org:
        org = _Org(code, name, parent, kind, **fields)
        self.orgs.append(org)
        return org

    def branches(self, top: _Org, base: str, kind: str, n: int, weight: float, names=()) -> None:
        """n branches below `top`: 春晖中学第一党支部, 第二党支部, … (or the given names)."""
        for b in range(1, n + 1):
            name = names[b - 1] if names else f"{base}第{ordinal(b)}党支部"
            code = f"{top.code}-{b:02d}"
            self.add(
                code,
                name,
                top.code,
                kind,
                order=b * 10,
                group=top.group,
                weight=weight,
                title="党支部书记",
            )

    def unique(self, make) -> str:
        """A name from `make` that no other village, community or firm has."""
        for _ in range(1000):
            name = make()
            if name not in self.taken:
                self.taken.add(name)
                return name
        raise RuntimeError("name space exhausted")

    # --- the tree ------------------------------------------------------------------------

    def build_orgs(self) -> None:
        self.add(ROOT_CODE, "中共绍兴市上虞区委员会", None, K_DISTRICT, short="上虞区委")
        for i, (name, short) in enumerate(DEPARTMENTS, 1):
            self.add(f"D{i:02d}", name, ROOT_CODE, K_DEPARTMENT, short=short, order=i * 10)
        for i, name in enumerate(TOWNS, 1):
            self.add(f"T{i:02d}", name, ROOT_CODE, K_TOWN, order=1000 + i * 10)
        self.build_villages()
        self.build_new_economy()
        self.build_others()

    def build_villages(self) -> None:
        """1,733 村/社 party organisations: each village or community a 党委/党总支 with
        branches, or a single 党支部; streets have more communities, towns more villages."""
        weights = [self.rng.uniform(0.7, 1.3) * (1.1 if t.endswith("街道") else 1.0) for t in TOWNS]
        quotas = _split(VILLAGE_COMMUNITY_TOTAL, weights)
        for t_index, (town, quota) in enumerate(zip(TOWNS, quotas, strict=True), 1):
            tcode = f"T{t_index:02d}"
            street = town.endswith("街道")
            unit = 0
            while quota > 0:
                unit += 1
                code = f"{tcode}-V{unit:03d}"
                if code == CHENJIAAO:
                    base, community, size = "陈家岙村", False, 1
                elif town == "曹娥街道" and unit == 1:
                    base, community, size = "和城社区", True, 4
                else:
                    community = self.rng.random() < (0.55 if street else 0.12)
                    base = self.unique(
                        (lambda: self._community_name() + "社区")
                        if community
                        else (lambda: self._village_name() + "村")
                    )
                    size = self.rng.choice((1, 1, 2, 3, 4, 5, 6, 7, 8))
                size = min(size, quota)
                quota -= size
                kind = K_COMMUNITY if community else K_VILLAGE
                top = "党支部" if size == 1 else "党委" if size >= 4 else "党总支"
                org = self.add(
                    code,
                    base + top,
                    tcode,
                    kind,
                    short=base if size > 1 else "",
                    order=unit * 10,
                    group="village",
                    weight=1.0 if size == 1 else 0.25,
                    title=top + "书记",
                )
                self.branches(org, base, kind, size - 1, 0.8)

    def _village_name(self) -> str:
        return self.rng.choice(VILLAGE_FIRST) + self.rng.choice(VILLAGE_SECOND)

    def _community_name(self) -> str:
        return self.rng.choice(COMMUNITY_FIRST) + self.rng.choice(COMMUNITY_SECOND)

    def build_new_economy(self) -> None:
        """1,008 两新 party organisations under the towns and the economic development zone:
        one 两新组织综合党委 per parent, then enterprises and social organisations below it."""
        parents = [f"T{i:02d}" for i in range(1, TOWNS_TOTAL + 1)] + [ZONE]
        weights = [self.rng.uniform(0.6, 1.4) for _ in TOWNS] + [8.0]
        quotas = _split(NEW_ECONOMY_TOTAL, weights)
        by_code = {o.code: o for o in self.orgs}
        for pcode, quota in zip(parents, quotas, strict=True):
            label = by_code[pcode].short or by_code[pcode].name
            hub = f"{pcode}-L000"
            self.add(
                hub,
                f"{label}两新组织综合党委",
                pcode,
                K_NEW,
                order=5000,
                group="new",
                weight=0.2,
                title="党委书记",
            )
            quota -= 1
            unit = 0
            while quota > 0:
                unit += 1
                name = self.unique(self._firm_name)
                size = min(quota, 1 if self.rng.random() < 0.92 else self.rng.choice((3, 4, 5)))
                quota -= size
                top = "党委" if size > 1 else "党总支" if self.rng.random() < 0.08 else "党支部"
                org = self.add(
                    f"{pcode}-L{unit:03d}",
                    name + top,
                    hub,
                    K_NEW,
                    order=unit * 10,
                    group="new",
                    weight=0.45 if size == 1 else 0.2,
                    title=top + "书记",
                )
                self.branches(org, name, K_NEW, size - 1, 0.4)

    def _firm_name(self) -> str:
        word = self.rng.choice(FIRM_WORDS)
        if self.rng.random() < 0.15:
            return f"上虞区{word}{self.rng.choice(SOCIETY_FORMS)}"
        place = self.rng.choice(("浙江", "绍兴", "上虞", "浙江", "绍兴上虞"))
        return f"{place}{word}{self.rng.choice(FIRM_TRADES)}{self.rng.choice(FIRM_FORMS)}"

    def build_others(self) -> None:
        """529 others: each department's and town's 机关 party organisation, the schools,
        hospitals and state enterprises, then branches of subordinate units up to the total."""
        start = len(self.orgs)
        for i, (name, short) in enumerate(DEPARTMENTS, 1):
            dcode = f"D{i:02d}"
            big = self.rng.random() < 0.3 and dcode != EDITORIAL  # 区委编办机关党支部
            self._office(dcode, short or name, big)
        for i, town in enumerate(TOWNS, 1):
            self._office(f"T{i:02d}", town, True)
        for n, school in enumerate(SCHOOL_NAMES, 1):
            self._committee(
                f"{EDUCATION}-S{n:03d}", school, EDUCATION, n * 10, self.rng.randint(2, 4)
            )
        for n, town in enumerate(TOWNS, 1):
            for m, level in enumerate(("中学", "小学"), 1):
                self.add(
                    f"{EDUCATION}-S{100 + n * 2 + m:03d}",
                    f"上虞区{town[:2]}{level}党支部",
                    EDUCATION,
                    K_BRANCH,
                    order=1000 + n * 20 + m,
                    group="unit",
                    weight=0.8,
                )
        for n, hospital in enumerate(HOSPITAL_NAMES, 1):
            names = [f"{hospital}{b}党支部" for b in HOSPITAL_BRANCHES]
            self._committee(f"{HEALTH}-H{n:03d}", hospital, HEALTH, n * 10, len(names), names)
        for n, town in enumerate(TOWNS, 1):
            centre = "社区卫生服务中心" if town.endswith("街道") else "卫生院"
            self.add(
                f"{HEALTH}-H{100 + n:03d}",
                f"上虞区{town[:2]}{centre}党支部",
                HEALTH,
                K_BRANCH,
                order=1000 + n * 10,
                group="unit",
                weight=0.7,
            )
        for n, soe in enumerate(SOE_NAMES, 1):
            self._committee(
                f"{STATE_ASSETS}-Q{n:03d}", soe, STATE_ASSETS, n * 10, self.rng.randint(3, 6)
            )
        remaining = OTHER_TOTAL - (len(self.orgs) - start)
        if remaining < 0:
            raise RuntimeError("fixed part of the other organisations exceeds the total")
        # The rest: branches of the bureaus' subordinate units, dealt round the bureaus.
        bureaus = [i for i, (name, _) in enumerate(DEPARTMENTS, 1) if name.endswith("局")]
        self.rng.shuffle(bureaus)
        suffixes = {i: self.rng.sample(SUBUNITS, len(SUBUNITS)) for i in bureaus}
        for n in range(remaining):
            i = bureaus[n % len(bureaus)]
            seq = n // len(bureaus) + 1
            name, short = DEPARTMENTS[i - 1]
            unit_name = f"{(short or name).removeprefix('区')}{suffixes[i][seq - 1]}党支部"
            kind = K_GENERAL if self.rng.random() < 0.1 else K_BRANCH
            self.add(
                f"D{i:02d}-U{seq:03d}",
                unit_name,
                f"D{i:02d}",
                kind,
                order=2000 + seq * 10,
                group="unit",
                weight=0.6,
            )

    def _office(self, pcode: str, label: str, big: bool) -> None:
        """The 机关 party organisation of a department or town: 区委编办机关党支部, or a
        机关党委 over 机关第一…第N党支部."""
        top = "党委" if big else "党支部"
        org = self.add(
            f"{pcode}-J",
            f"{label}机关{top}",
            pcode,
            K_INSTITUTION,
            order=1,
            group="office",
            weight=0.3 if big else 1.0,
            title=top + "书记",
        )
        if big:
            self.branches(org, f"{label}机关", K_BRANCH, self.rng.randint(2, 4), 0.8)

    def _committee(self, code: str, base: str, parent: str, order: int, n: int, names=()):
        """A 党委 over n branches: 春晖中学党委 → 春晖中学第一党支部, …"""
        org = self.add(
            code,
            base + "党委",
            parent,
            K_COMMITTEE,
            short=base,
            order=order,
            group="unit",
            weight=0.3,
            title="党委书记",
        )
        self.branches(org, base, K_BRANCH, n, 0.9, names)

    # --- people ---------------------------------------------------------------------------

    def build_people(self) -> list[dict]:
        rng = self.rng
        self.ids: set[str] = set()
        self.phones: set[str] = set()
        heads = [o for o in self.orgs if o.kind in (K_DEPARTMENT, K_TOWN)]
        office = [o for o in self.orgs if o.group in ("office", "unit")]
        grassroots = [o for o in self.orgs if o.group in ("village", "new")]
        plan: list[tuple[_Org, int]] = [(o, 1) for o in heads]
        for group, total in (
            (office, OFFICE_PEOPLE_TOTAL),
            (grassroots, PEOPLE_TOTAL - OFFICE_PEOPLE_TOTAL - len(heads)),
        ):
            # Every organisation has at least three members (a branch needs three full members).
            weights = [o.weight * rng.uniform(0.5, 1.5) for o in group]
            extra = _split(total - 3 * len(group), weights)
            plan += [(o, 3 + e) for o, e in zip(group, extra, strict=True)]
        rows: list[dict] = []
        for org, count in plan:
            for i in range(count):
                rows.append(self._person(org, i, len(rows) + 1))
        return rows

    def _person(self, org: _Org, index: int, number: int) -> dict:
        rng = self.rng
        male = rng.random() < (0.62 if org.group in ("village", "") else 0.55)
        name = ""
        if org.code == CHENJIAAO and index == 0:
            # 陈家岙村党支部书记胡建忠, named in the report.
            name, male = "胡建忠", True
        level, position, year = self._career(org, index, male)
        if not name:
            name = self._name(male)
        birth = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
        status = self._status(org, level, REFERENCE_DATE.year - year)
        return {
            "姓名": name,
            "性别": "男" if male else "女",
            "出生日期": birth,
            "身份证号": self._id_number(birth, male),
            "手机号": self._phone(),
            "所在组织编码": org.code,
            "政治面貌": status,
            "干部层级": level,
            "职务": position,
            "人员编号": f"P{number:06d}",
        }

    def _career(self, org: _Org, index: int, male: bool) -> tuple[str, str, int]:
        """Cadre level, position and birth year by where a person sits."""
        rng = self.rng
        if org.kind in (K_DEPARTMENT, K_TOWN):
            return "区管领导干部", _head_title(org), rng.randint(1966, 1983)
        if org.group == "office":
            if index == 0:
                return "中层干部", org.title, rng.randint(1970, 1988)
            r = rng.random()
            level = "中层干部" if r < 0.28 else "一般干部" if r < 0.93 else ""
            position = {
                "中层干部": rng.choice(("科长", "副科长", "主任", "副主任")),
                "一般干部": "科员",
            }
            return level, position.get(level, ""), _year(rng, 1986, 10, 1962, 2002)
        if org.group == "unit":
            if index == 0:
                return "中层干部", org.title, rng.randint(1968, 1986)
            r = rng.random()
            level = "中层干部" if r < 0.12 else "一般干部" if r < 0.55 else ""
            return level, "", _year(rng, 1984, 11, 1962, 2002)
        if org.group == "village":
            community = org.kind == K_COMMUNITY
            if index == 0:
                return "一般干部", org.title, rng.randint(1962 if not community else 1975, 1992)
            if index < 3:
                return (
                    "",
                    rng.choice(("组织委员", "宣传委员", "纪检委员")),
                    _year(rng, 1972, 12, 1952, 2000),
                )
            if community and rng.random() < 0.35:
                return "一般干部", "社区工作者", _year(rng, 1993, 6, 1975, 2003)
            if not community and rng.random() < 0.06:
                return "一般干部", "村级后备干部", _year(rng, 1994, 5, 1980, 2003)
            return "", "", _year(rng, 1968 if not community else 1972, 15, 1950, 2003)
        # 两新
        if index == 0:
            return "", org.title, rng.randint(1965, 1992)
        return "", "", _year(rng, 1988, 10, 1955, 2003)

    def _status(self, org: _Org, level: str, age: int) -> str:
        """Mostly full members, some probationary; a few league members and non-members."""
        r = self.rng.random()
        if level == "区管领导干部" or r < 0.9:
            return "中共党员"
        if r < 0.95:
            return "预备党员"
        if age <= 28:
            return "共青团员"
        return "群众" if org.group in ("office", "unit") else "中共党员"

    def _name(self, male: bool) -> str:
        rng = self.rng
        surname = rng.choices(SURNAMES[0], cum_weights=SURNAMES[1])[0]
        chars = (MALE_CHARS if male else FEMALE_CHARS) + COMMON_CHARS
        given = rng.choice(chars)
        if rng.random() < 0.78:
            given += rng.choice(chars)
        return surname + given

    def _id_number(self, birth: dt.date, male: bool) -> str:
        rng = self.rng
        region = rng.choices(REGIONS[0], cum_weights=REGIONS[1])[0]
        while True:
            seq = rng.randrange(100) * 10 + rng.randrange(5) * 2 + (1 if male else 0)
            first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
            number = first17 + id_check_char(first17)
            if number not in self.ids:
                self.ids.add(number)
                return number

    def _phone(self) -> str:
        while True:
            phone = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone


def _year(rng: random.Random, mean: int, sigma: float, low: int, high: int) -> int:
    return min(high, max(low, round(rng.gauss(mean, sigma))))


def _head_title(org: _Org) -> str:
    name = org.name
    if org.kind == K_TOWN:
        return "党工委书记" if name.endswith("街道") else "党委书记"
    for suffix, title in (
        ("委员会", "书记"),
        ("开发区", "党工委书记"),
        ("度假区", "党工委书记"),
        ("分局", "局长"),
        ("局", "局长"),
        ("部", "部长"),
        ("法院", "院长"),
        ("检察院", "检察长"),
        ("党校", "常务副校长"),
        ("联合会", "主席"),
        ("工会", "常务副主席"),
        ("协会", "主席"),
        ("大队", "大队长"),
        ("社", "主任"),
        ("红十字会", "常务副会长"),
        ("馆", "馆长"),
        ("室", "主任"),
        ("中心", "主任"),
        ("办公室", "主任"),
        ("机关", "常务副书记"),
        ("委", "书记"),
    ):
        if name.endswith(suffix):
            return title
    return "主要负责人"


def district(seed: int = DEFAULT_SEED) -> DemoDistrict:
    """Build the demo district's rows; equal seeds give equal rows."""
    builder = _Builder(seed)
    builder.build_orgs()
    people = builder.build_people()
    return DemoDistrict(orgs=[o.row() for o in builder.orgs], people=people)


def org_rows(seed: int = DEFAULT_SEED) -> Iterator[dict]:
    """The org rows, parents before children."""
    builder = _Builder(seed)
    builder.build_orgs()
    for org in builder.orgs:
        yield org.row()


def person_rows(seed: int = DEFAULT_SEED) -> Iterator[dict]:
    """The people rows, grouped by org in the order of the org rows."""
    yield from district(seed).people
