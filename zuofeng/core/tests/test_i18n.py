"""English as the second language: the switch, the pages, and a complete, compiled catalogue.

The msgids are Chinese, so zh-hans needs no catalogue; English comes from
zuofeng/locale/en/LC_MESSAGES/django.po, committed together with its compiled django.mo.
"""

from __future__ import annotations

import gettext
import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from zuofeng.orgs.tests.factories import make_user

LOGIN = "/accounts/login/"
HOME = "/"
ORG_TREE = "/orgs/"
CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"

# Han ideographs and CJK punctuation and full-width forms.
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")

# msgids whose English keeps Chinese on purpose: values a user must type or search as they are.
KEEPS_CHINESE = {
    "日期格式不正确，应为 2025-04-01、2025/4/1 或 2025年4月1日",  # an accepted date format
    "应为“男”或“女”",  # the literal cell values of the people sheet
    "状态为“已销号”时必须填写销号日期",  # the literal status cell value of the ledger sheet
    "只有“已销号”的问题可以填写销号日期",
    "如：陈家岙村",  # an example of an org name, which is data
    # Literal cell values of the import sheets (status, income/expense, yes/no, mode).
    "状态为已完成或已验收时必填",
    "只有已完成或已验收的项目填写完成日期",
    "收支须为收入或支出",
    "应为“是”或“否”",
    "形式只能是线下或线上",
    # Briefing placeholders and a board filter example are typed as they are.
    "在 Word 中编辑后上传。占位符写作 {{指标键}}、{{指标键@单位编码}}、{{指标键?筛选=值}}、"
    "{{指标键|约}}，以及 {{期数}}、{{编发单位}}、{{日期}}、{{范围}}、{{起止}}、{{单位:编码}}。",
    "各指标分值之和须等于满分；同一分组的指标合为一组。计分参数示例：线性扣分“target=1 k=1 "
    "step=0.01 floor=0”（达到100%%得满分，每低1个百分点扣1分，最低0分）；名次赋分“table=60,57,54”"
    "或“step=2”；按次扣分“k=3 floor=0”。筛选条件示例：“source=正风肃纪检查”。已发布赛季的成绩"
    "不受修改影响。",
}


@pytest.fixture(autouse=True)
def _fast_hashers_and_clean_language(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The locale middleware leaves its language active in this thread; later tests expect Chinese.
    with translation.override(settings.LANGUAGE_CODE):
        yield


def english_client() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def site_header(page: str) -> str:
    """The markup of the site header: brand and navigation."""
    match = re.search(r'<header class="site.*?</header>', page, re.S)
    assert match, "no site header"
    return match.group(0)


def text_of(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def assert_no_chinese(markup: str, where: str) -> None:
    found = CJK.findall(markup)
    assert not found, f"Chinese left in {where}: {''.join(found)!r}\n{text_of(markup)}"


def get(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


@pytest.fixture
def lead_client(district):
    def login(client: Client) -> Client:
        client.force_login(make_user("lead", ("lead_office", district.root)))
        return client

    return login


# Pages -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_login_page_in_english_by_cookie():
    page = get(english_client(), LOGIN)
    assert '<html lang="en"' in page
    assert "<title>Sign in · Zuofeng</title>" in page
    for label in ("End-to-end platform for work-style improvement", "Username", "Password"):
        assert label in page
    assert "用户名" not in page and "密码" not in page
    assert_no_chinese(site_header(page), "the login page header")
    # The language switch offers each language under its own name.
    assert 'lang="zh-hans"' in page and "简体中文" in page
    assert 'value="en"' in page


@pytest.mark.django_db
def test_browser_language_does_not_switch_the_product():
    """An English-language browser on a district PC still gets Chinese until the user picks
    English in the footer (docs/decisions.md, "Page language")."""
    page = get(Client(HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9"), LOGIN)
    assert '<html lang="zh-hans"' in page
    assert "登录" in page and "Sign in" not in page


@pytest.mark.django_db
def test_chinese_is_the_default():
    page = get(Client(), LOGIN)
    assert '<html lang="zh-hans"' in page
    assert "<title>登录 · 作风通</title>" in page
    assert "用户名" in page and "Sign in" not in page


@pytest.mark.django_db
def test_home_in_english_for_lead_office(lead_client):
    client = lead_client(english_client())
    page = get(client, HOME)
    header = site_header(page)
    nav = text_of(header)
    for label in ("Zuofeng", "Organisations", "People", "Import", "Problem ledger"):
        assert label in nav, (label, nav)
    assert "Change password" in header and "Sign out" in header
    assert_no_chinese(header, "the navigation of the home page")
    assert "<title>Home · Zuofeng</title>" in page
    assert "Hello, lead" in page
    assert "My roles:" in page and "Lead office" in page


@pytest.mark.django_db
def test_org_tree_in_english_for_lead_office(lead_client):
    client = lead_client(english_client())
    page = get(client, ORG_TREE)
    header = site_header(page)
    assert_no_chinese(header, "the navigation of the org tree")
    assert "<title>Organisations · Zuofeng</title>" in page
    assert "Name or code" in page and "Search" in page
    # The names of orgs are data and stay as they were entered.
    assert "测试区委" in page


@pytest.mark.django_db
def test_home_in_chinese_by_default(lead_client):
    client = lead_client(Client())
    header = site_header(get(client, HOME))
    nav = text_of(header)
    for label in ("作风通", "组织", "人员", "导入", "问题台账", "修改密码", "退出"):
        assert label in nav, (label, nav)
    assert "Organisations" not in nav


@pytest.mark.django_db
def test_language_switch(lead_client):
    client = lead_client(Client())
    assert "组织" in text_of(site_header(get(client, HOME)))

    response = client.post("/i18n/setlang/", {"language": "en", "next": ORG_TREE})
    assert response.status_code == 302
    assert response["Location"] == ORG_TREE
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = get(client, ORG_TREE)
    assert '<html lang="en"' in page
    assert_no_chinese(site_header(page), "the navigation after switching to English")

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": HOME})
    assert "组织" in text_of(site_header(get(client, HOME)))


@pytest.mark.django_db
def test_language_switch_before_signing_in():
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": LOGIN})
    assert response.status_code == 302
    assert "Sign in" in get(client, LOGIN)


# The catalogue ---------------------------------------------------------------------------------


def _unquote(s: str) -> str:
    s = s.strip()
    assert s.startswith('"') and s.endswith('"'), s
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes[m.group(1)], s[1:-1])


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file: flags, msgctxt, msgid, msgid_plural, msgstr / msgstr[n]."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry: dict = {"flags": set(), "obsolete": False}
        field = None
        for line in block.strip("\n").splitlines():
            if line.startswith("#~"):
                entry["obsolete"] = True
            elif line.startswith("#,"):
                entry["flags"] |= {f.strip() for f in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif m := re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$', line):
                field = m.group(1)
                entry[field] = _unquote(m.group(2))
            else:
                entry[field] += _unquote(line)
        if "msgid" in entry or entry["obsolete"]:
            entries.append(entry)
    return entries


def translations(entry: dict) -> list[str]:
    return [v for k, v in sorted(entry.items()) if k.startswith("msgstr")]


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


@pytest.fixture(scope="module")
def catalogue() -> list[dict]:
    entries = parse_po(CATALOGUE / "django.po")
    assert entries and entries[0]["msgid"] == "", "no header entry"
    return entries


def test_catalogue_is_complete(catalogue):
    header, *entries = catalogue
    assert "fuzzy" not in header["flags"]
    assert "Language: en\n" in header["msgstr"]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"]
    assert len(entries) > 250
    assert not [e for e in entries if e["obsolete"]], "obsolete entries left in the catalogue"
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"
    empty = [e["msgid"] for e in entries if not all(translations(e))]
    assert not empty, f"untranslated entries: {empty}"
    for e in entries:
        if "msgid_plural" in e:
            assert set(k for k in e if k.startswith("msgstr")) == {"msgstr[0]", "msgstr[1]"}, e


def test_catalogue_keeps_placeholders_and_leaves_no_chinese(catalogue):
    for e in catalogue[1:]:
        wanted = sorted(set(PLACEHOLDER.findall(e["msgid"])))
        for text in translations(e):
            assert sorted(set(PLACEHOLDER.findall(text))) == wanted, (e["msgid"], text)
            if e["msgid"] not in KEEPS_CHINESE:
                assert not CJK.search(text), (e["msgid"], text)


def test_compiled_catalogue_matches_the_po(catalogue):
    with open(CATALOGUE / "django.mo", "rb") as f:
        compiled = gettext.GNUTranslations(f)
    for e in catalogue[1:]:
        ctx = e.get("msgctxt")
        if "msgid_plural" in e:
            for n, key in ((1, "msgstr[0]"), (2, "msgstr[1]")):
                args = (e["msgid"], e["msgid_plural"], n)
                got = compiled.npgettext(ctx, *args) if ctx else compiled.ngettext(*args)
                assert got == e[key], f"django.mo is stale: compile it ({e['msgid']})"
        else:
            got = compiled.pgettext(ctx, e["msgid"]) if ctx else compiled.gettext(e["msgid"])
            assert got == e["msgstr"], f"django.mo is stale: compile it ({e['msgid']})"
