"""Sheet rows for the rule-list tests."""


def step(case, name, date, village="U1", item="工程项目招投标", amount="80000", **kw):
    row = {
        "案件编号": case,
        "村社编码": village,
        "事项名称": item,
        "金额（元）": amount,
        "步骤名称": name,
        "日期": date,
        "材料": kw.pop(
            "材料",
            {
                "党组织提议": "提议书",
                "两委商议": "会议记录",
                "党员大会审议": "会议记录",
                "村民代表会议决议": "会议记录、表决票",
                "决议公开": "公开照片",
                "实施结果公开": "公开照片",
            }[name],
        ),
    }
    if name in ("党员大会审议", "村民代表会议决议"):
        row.update({"应到人数": 30, "实到人数": 25, "同意人数": 20})
    row.update(kw)
    return row


def full(case, amount="80000", **over):
    names = [
        "党组织提议",
        "两委商议",
        "党员大会审议",
        "村民代表会议决议",
        "决议公开",
        "实施结果公开",
    ]
    dates = ["2025-04-01", "2025-04-03", "2025-04-08", "2025-04-10", "2025-04-12", "2025-05-10"]
    return [step(case, n, d, amount=amount, **over.get(n, {})) for n, d in zip(names, dates)]


def budget(unit, code, rigid, prior, now, year=2025):
    return {
        "单位编码": unit,
        "年度": year,
        "经济分类编码": code,
        "刚性": rigid,
        "上年执行数（元）": prior,
        "本年预算数（元）": now,
    }
