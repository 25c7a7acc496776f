"""Every page, email and text in English, Welsh and Polish (issue 13; docs/translating.md).

For every app NOT in NOT_YET_TRANSLATED:
  (a) no template shows text outside {% translate %} / {% blocktranslate %}: each template is split
      with Django's own lexer, the tags are taken out, and an HTML parser reads what is left. Text
      between tags and the attributes people read or hear (title, aria-label, placeholder, alt, a
      button's value, the page description) may hold numbers, punctuation and variables, but no words;
  (b) its Welsh and Polish catalogs exist, hold every message its templates ask for, and have no
      empty or fuzzy entries;
  (c) each compiled .mo says what its .po says (for every catalog, in every app).
NOT_YET_TRANSLATED only shrinks: an app leaves it once it is translated, and never comes back.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.template import Engine
from django.template.base import Lexer, TokenType
from django.templatetags.i18n import BlockTranslateNode, TranslateNode

from carecircle.web.catalogs import PACKAGE_DIR, TRANSLATED_LANGUAGES, Catalog, catalogs, gaps, is_stale

# Apps whose pages are not translated yet. Remove an app when it is done; never add one.
NOT_YET_TRANSLATED: set[str] = set()

# Names that stay the same in every language.
UNTRANSLATED_WORDS = ("CareCircle",)
# Attributes a person reads or hears; `value` only on input buttons, `content` only for the description.
READ_ATTRIBUTES = {"title", "aria-label", "aria-description", "aria-roledescription", "alt", "placeholder", "label"}
BUTTON_TYPES = {"submit", "button", "reset"}
WORD = re.compile(r"[^\W\d_]", re.UNICODE)
# Stands where a template tag or variable was, so text on either side doesn't run together.
HOLE = "\ue000"


def app_dirs() -> list[Path]:
    return sorted(path.parent for path in PACKAGE_DIR.glob("*/templates"))


def templates_of(app: Path) -> list[Path]:
    """The templates people see: pages, fragments and emails (not the inlined CSS or the service worker)."""
    return sorted(
        path for path in (app / "templates").rglob("*") if path.suffix in {".html", ".txt"} and path.is_file()
    )


def visible_source(source: str) -> str:
    """The template with every tag, variable and comment replaced by HOLE, and translated blocks removed."""
    out = []
    skipping_until: str | None = None
    for token in Lexer(source).tokenize():
        if skipping_until is not None:
            if token.token_type == TokenType.BLOCK and token.contents.split()[0] == skipping_until:
                skipping_until = None
            continue
        if token.token_type == TokenType.TEXT:
            out.append(token.contents)
            continue
        out.append(HOLE)
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0]
            if name in {"blocktranslate", "blocktrans"} or name in {"comment", "verbatim"}:
                skipping_until = "end" + name
    return "".join(out)


def has_words(text: str) -> bool:
    for word in UNTRANSLATED_WORDS:
        text = text.replace(word, "")
    return bool(WORD.search(text))


class VisibleText(HTMLParser):
    """Collects text and read-aloud attributes that hold words, skipping scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.raw = 0
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self.raw += 1
        values = dict(attrs)
        for name, value in attrs:
            readable = (
                name in READ_ATTRIBUTES
                # A <button>'s value is sent with the form, never shown or read aloud; an <input>'s is its label.
                or (name == "value" and tag == "input" and values.get("type") in BUTTON_TYPES)
                or (name == "content" and tag == "meta" and values.get("name") == "description")
            )
            if readable and value and has_words(value):
                self.found.append(f'line {self.getpos()[0]}: <{tag} {name}="{value.strip()}">')

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"} and self.raw:
            self.raw -= 1

    def handle_data(self, data: str) -> None:
        if not self.raw and has_words(data):
            self.found.append(f"line {self.getpos()[0]}: {data.strip()!r}")


def untranslated_text(path: Path) -> list[str]:
    source = visible_source(path.read_text())
    if path.suffix == ".txt":
        return [f"{line.strip()!r}" for line in source.splitlines() if has_words(line)]
    parser = VisibleText()
    parser.feed(source)
    parser.close()
    return parser.found


def _literal(expression: Any) -> str | None:
    """A constant string in a tag ("Hello", not a variable), as makemessages would extract it."""
    if expression is None:
        return None
    value = expression.var
    value = value if isinstance(value, str) else getattr(value, "literal", None)
    return str(value) if isinstance(value, str) else None


def template_messages(path: Path) -> set[tuple[str, str]]:
    """(context, msgid) of every {% translate %} and {% blocktranslate %} in a template, as makemessages sees them."""
    engine = Engine.get_default()
    nodelist = engine.from_string(path.read_text()).nodelist
    found: set[tuple[str, str]] = set()
    for node in nodelist.get_nodes_by_type(TranslateNode):
        assert isinstance(node, TranslateNode)
        message = _literal(node.filter_expression)
        if message is not None:
            found.add((_literal(node.message_context) or "", message.replace("%", "%%")))
    for node in nodelist.get_nodes_by_type(BlockTranslateNode):
        assert isinstance(node, BlockTranslateNode)
        found.add((_literal(node.message_context) or "", node.render_token_list(node.singular)[0]))
    return found


TRANSLATED_APPS = [app for app in app_dirs() if app.name not in NOT_YET_TRANSLATED]
# Every folder with catalogs, including those without templates: the API's errors and lib's shared checks.
CATALOG_DIRS = sorted({*TRANSLATED_APPS, *(path.parent for path in PACKAGE_DIR.glob("*/locale"))})


def test_the_set_of_untranslated_apps_names_real_apps() -> None:
    assert {app.name for app in app_dirs()} >= NOT_YET_TRANSLATED


@pytest.mark.parametrize("app", TRANSLATED_APPS, ids=lambda app: app.name)
def test_no_template_shows_text_outside_translate_tags(app: Path) -> None:
    found = [
        f"{path.relative_to(PACKAGE_DIR)} {problem}"
        for path in templates_of(app)
        for problem in untranslated_text(path)
    ]
    assert not found, "Wrap these in {% translate %} or {% blocktranslate %}:\n" + "\n".join(found)


@pytest.mark.parametrize("app", CATALOG_DIRS, ids=lambda app: app.name)
@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_catalogs_are_complete(app: Path, language: str) -> None:
    po = app / "locale" / language / "LC_MESSAGES" / "django.po"
    assert po.exists(), f"{po.relative_to(PACKAGE_DIR)} is missing: run `make messages`"
    todo = gaps(po)
    assert not todo, f"{po.relative_to(PACKAGE_DIR)}:\n" + "\n".join(f"{gap.why}: {gap.msgid!r}" for gap in todo)
    import polib

    known = {(entry.msgctxt or "", entry.msgid) for entry in polib.pofile(str(po)) if not entry.obsolete}
    asked = (
        set().union(*(template_messages(path) for path in templates_of(app))) if (app / "templates").exists() else set()
    )
    missing = sorted(asked - known)
    assert not missing, f"{po.relative_to(PACKAGE_DIR)} lacks (run `make messages`):\n" + "\n".join(
        f"{context + ': ' if context else ''}{msgid!r}" for context, msgid in missing
    )


@pytest.mark.parametrize("catalog", list(catalogs()), ids=lambda catalog: f"{catalog.app}-{catalog.language}")
def test_every_compiled_catalog_matches_its_source(catalog: Catalog) -> None:
    assert not is_stale(catalog), f"{catalog.mo.relative_to(PACKAGE_DIR)} is out of date: run `make messages`"


# The checks themselves: each must catch what it is for.


def test_the_template_check_catches_words_in_text_and_attributes() -> None:
    parser = VisibleText()
    parser.feed(visible_source('<p title="Open it">{{ name }} Hello</p><img alt="{% translate "A photo" %}">'))
    assert [problem.split(": ", 1)[1] for problem in parser.found] == ['<p title="Open it">', "'\\ue000 Hello'"]


def test_the_template_check_allows_tags_numbers_punctuation_and_scripts() -> None:
    source = (
        '{% load i18n %}<p>{% translate "Hello" %} · {{ count }} (2) \u2013 {% blocktranslate %}Hi {{ name }}'
        '{% endblocktranslate %}</p>{# a note #}<script>var a = "words";</script><input type="text" value="x">'
        "<title>CareCircle</title>"
    )
    parser = VisibleText()
    parser.feed(visible_source(source))
    assert parser.found == []


def test_the_template_check_reads_button_values_and_the_description() -> None:
    parser = VisibleText()
    parser.feed(
        '<input type="submit" value="Save"><meta name="description" content="About us">'
        '<button type="submit" name="answer" value="yes"></button>'
    )
    assert len(parser.found) == 2


def test_template_messages_are_read_as_makemessages_reads_them(tmp_path: Path) -> None:
    template = tmp_path / "t.html"
    template.write_text(
        '{% load i18n %}{% translate "Main" context "landmark" %}{% translate "Hi" %}'
        "{% blocktranslate trimmed count n=items|length %}\n  One {{ n }} item\n{% plural %}{{ n }} items"
        "{% endblocktranslate %}"
    )
    assert template_messages(template) == {("landmark", "Main"), ("", "Hi"), ("", "One %(n)s item")}


def test_a_stale_or_incomplete_catalog_is_noticed(tmp_path: Path) -> None:
    from carecircle.web.catalogs import compile_catalog

    po = tmp_path / "app" / "locale" / "cy" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    header = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
    po.write_text(
        header + 'msgid "Yes"\nmsgstr "Ie"\n\n#, fuzzy\nmsgid "No"\nmsgstr "Na"\n\nmsgid "Maybe"\nmsgstr ""\n'
    )
    catalog = Catalog(app="app", language="cy", po=po)
    assert is_stale(catalog)
    compile_catalog(catalog)
    assert not is_stale(catalog)
    assert [gap.why.split(":")[0] for gap in gaps(po)] == ["fuzzy", "not translated"]
    po.write_text(po.read_text().replace('msgstr "Ie"', 'msgstr "Ydy"'))
    assert is_stale(catalog)


def test_a_translation_with_a_placeholder_the_english_lacks_is_noticed(tmp_path: Path) -> None:
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Hello %(name)s"\nmsgstr "Helo %(enw)s"\n\nmsgid "Hi {name}"\nmsgstr "Cześć {name}"\n'
    )
    assert [gap.why for gap in gaps(po)] == ["uses %(enw)s, which the English doesn't"]


# Python-side text: every label, hint and choice the accounts and circles forms show is translated.

FORM_MODULES = (
    "carecircle.accounts.forms",
    "carecircle.accounts.mfa_forms",
    "carecircle.accounts.email_change_views",
    "carecircle.accounts.data_rights_views",
    "carecircle.circles.forms",
    "carecircle.circles.closing_views",
    "carecircle.circles.consent_questions",
)
# Choices that are names in their own right (time zones; each language named in itself), not words to translate.
CHOICES_NOT_TRANSLATED = {("ProfileForm", "time_zone"), ("ProfileForm", "language")}


def _form_arguments() -> dict[str, dict[str, Any]]:
    """What each form needs to be built, so fields whose labels are set in __init__ are checked too."""
    from carecircle.accounts.models import User
    from carecircle.circles.forms import CONSENT_ROLES
    from carecircle.circles.models import Role

    user = User(email="ann@example.org", display_name="Ann", time_zone="Europe/London", language="en-gb")
    with_user = {"args": (user,)}
    return {
        "NewPasswordForm": with_user,
        "ChangePasswordForm": with_user,
        "ProfileForm": {"kwargs": {"user": user}},
        "ApiTokenForm": {"kwargs": {"circles": {1: "Dad"}}},
        "InviteForm": {"kwargs": {"roles": list(Role), "person_name": "Dad"}},
        "MemberEditForm": {"kwargs": {"roles": list(Role), "person_name": "Dad"}},
        "ConsentForm": {"kwargs": {"consent": {}}},
        "ConsentQuestionsForm": {
            "kwargs": {"consent": {}, "roles": CONSENT_ROLES, "person_name": "Dad", "viewer_is_person": False}
        },
    }


def project_forms() -> list[type[Any]]:
    import importlib

    from django import forms

    found: list[type[Any]] = []
    for name in FORM_MODULES:
        module = importlib.import_module(name)
        found += [
            value
            for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, forms.BaseForm) and value.__module__ == name
        ]
    return sorted(found, key=lambda form: form.__name__)


def form_words(form_class: type[Any]) -> dict[str, str]:
    """Every label, hint and choice a person sees on the form, each as the active language renders it."""
    from django import forms

    arguments = _form_arguments().get(form_class.__name__, {})
    form = form_class(*arguments.get("args", ()), **arguments.get("kwargs", {}))
    words: dict[str, str] = {}
    for name, field in form.fields.items():
        if field.widget.is_hidden:
            continue
        words[f"{name}.label"] = str(field.label or "")  # No label: Django would show the field's English name.
        if field.help_text:
            words[f"{name}.help_text"] = str(field.help_text)
        if isinstance(field, forms.ChoiceField) and (form_class.__name__, name) not in CHOICES_NOT_TRANSLATED:
            for value, text in list(field.choices):  # type: ignore[arg-type]
                if value != "":
                    words[f"{name}.choice.{value}"] = str(text)
    return words


def untranslated_words(form_class: type[Any], language: str) -> list[str]:
    from django.utils import translation

    with translation.override("en-gb"):
        english = form_words(form_class)
    with translation.override(language):
        translated = form_words(form_class)
    return [f"{where}: {text!r}" for where, text in english.items() if not text or translated[where] == text]


@pytest.mark.parametrize("form_class", project_forms(), ids=lambda form: form.__name__)
@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_every_form_label_hint_and_choice_is_translated(form_class: type[Any], language: str) -> None:
    missing = untranslated_words(form_class, language)
    assert not missing, (
        f"{form_class.__name__} shows English in {language}: wrap these in gettext_lazy, run `make messages`, "
        "and translate them:\n" + "\n".join(missing)
    )


def test_the_form_check_catches_an_unwrapped_label_a_missing_label_and_an_english_choice() -> None:
    from django import forms
    from django.utils.translation import gettext_lazy

    class Careless(forms.Form):
        plain = forms.CharField(label="Their name")
        nameless = forms.CharField()
        kind = forms.ChoiceField(label=gettext_lazy("Role"), choices=[("a", "Helper")])
        hidden = forms.CharField(widget=forms.HiddenInput)

    assert untranslated_words(Careless, "cy") == [
        "plain.label: 'Their name'",
        "nameless.label: ''",
        "kind.choice.a: 'Helper'",
    ]


def test_the_form_check_covers_the_forms_people_use() -> None:
    names = {form.__name__ for form in project_forms()}
    assert {"SignUpForm", "SignInForm", "ProfileForm", "CircleCreateForm", "InviteForm", "ConsentForm"} <= names
    assert {"ConsentQuestionsForm", "CloseForm", "EmailChangeForm", "DeleteAccountForm"} <= names


# Python-side text outside forms: refusals, flash messages and form errors built in code.

# Calls whose text a person reads: the refusal page or API error, a form's error, a flash message, a problem page.
_SHOWN_BY_CALL = {"PermissionDenied": 0, "add_error": 1, "problem": None}
_FLASH_LEVELS = {"success", "error", "info", "warning", "add_message"}
# Modules whose every refusal (`raise SomeError("...")`) reaches a person, and the constants they answer with.
REFUSING_MODULES = (
    "lib/repeat_rule.py",
    "lib/recurrence.py",
    "lib/text.py",
    "lib/wall_clock.py",
    "web/hostile_input.py",
    "web/sms_inbound.py",
    "web/views.py",
    "circles/access.py",
    "lib/idempotency.py",
    "accounts/passwords.py",
)
# Refusals only code can cause (impossible arguments, a provider's malformed request): never shown to a person.
NOT_FOR_PEOPLE = (
    "A change to one occurrence either cancels it",
    "A cancelled occurrence has no length",
    "A task can't end before it starts",
    "An all-day task lasts a whole number of days, at least one",
    "The window must be given in UTC",
    "The window ends before it starts",
    "The sender's number is missing",
    "The message id is missing",
    "The body must be a JSON object",
    "The message must be text",
    "the cache did not return",
    "no channel layer",
    "Redis did not confirm the subscription",
    "Redis did not deliver the probe",
    "the probe did not come back",
    "no task backend",
)


def _is_words(node: Any) -> bool:
    import ast

    if isinstance(node, ast.JoinedStr):
        return True
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and has_words(node.value)


def _text_of(node: Any) -> str:
    import ast

    return str(node.value) if isinstance(node, ast.Constant) else ast.unparse(node)


def _refusal_texts(node: Any, tree: Any) -> list[Any]:
    """The message of `raise SomeError("...")`, or a module constant named *_MESSAGE or *_TEXT."""
    import ast

    if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args:
        # A 404's words are never shown: the page and the API say "not found" in their own words.
        return [] if ast.unparse(node.exc.func) in {"Http404", *_SHOWN_BY_CALL} else [node.exc.args[0]]
    if isinstance(node, ast.Assign) and node in tree.body and isinstance(node.targets[0], ast.Name):
        return [node.value] if node.targets[0].id.endswith(("_MESSAGE", "_TEXT")) else []
    return []


def english_in_python(path: Path, *, every_refusal: bool) -> list[str]:
    """Literal English that a person would read: passed to a refusal, a form error or a flash message."""
    import ast

    found: list[str] = []
    tree = ast.parse(path.read_text())
    where = path.relative_to(PACKAGE_DIR) if path.is_relative_to(PACKAGE_DIR) else path.name
    for node in ast.walk(tree):
        texts: list[Any] = []
        if isinstance(node, ast.Call):
            name = ast.unparse(node.func).rsplit(".", 1)[-1]
            position = _SHOWN_BY_CALL.get(name, -1)
            if position is not None and position >= 0 and len(node.args) > position:
                texts.append(node.args[position])
            if name in _FLASH_LEVELS and ast.unparse(node.func).startswith("messages.") and len(node.args) > 1:
                texts.append(node.args[-1] if name != "add_message" else node.args[2])
            if name == "problem":
                texts += [keyword.value for keyword in node.keywords if keyword.arg in {"title", "text"}]
        if every_refusal:
            texts += _refusal_texts(node, tree)
        for text in texts:
            if _is_words(text) and not _text_of(text).startswith(NOT_FOR_PEOPLE):
                found.append(f"{where}:{text.lineno}: {_text_of(text)[:80]!r}")
    return found


def python_modules() -> list[Path]:
    return sorted(
        path
        for path in PACKAGE_DIR.rglob("*.py")
        if not {"migrations", "management"} & set(path.relative_to(PACKAGE_DIR).parts)
    )


def test_no_refusal_form_error_or_flash_message_is_written_in_english_in_code() -> None:
    refusing = {PACKAGE_DIR / name for name in REFUSING_MODULES}
    found = [
        problem for path in python_modules() for problem in english_in_python(path, every_refusal=path in refusing)
    ]
    assert not found, "Wrap these in gettext (named placeholders, not f-strings), then `make messages`:\n" + "\n".join(
        found
    )


def test_the_python_check_catches_english_in_refusals_errors_and_flash_messages(tmp_path: Path) -> None:
    module = tmp_path / "example.py"
    source = (
        "def view(request, form, name):\n"
        '    raise PermissionDenied("Sign in first.")\n'
        '    form.add_error(None, f"Hello {name}")\n'
        '    messages.success(request, "Saved.")\n'
        '    problem(request, title="Nope", text=gettext("Fine"))\n'
        '    form.add_error("code", gettext("Translated."))\n'
        '    raise ValueError("A rule is wrong.")\n'
        'NUL_MESSAGE = "Remove it."\n'
    )
    module.write_text(source)
    loose = english_in_python(module, every_refusal=False)
    strict = english_in_python(module, every_refusal=True)
    expected = ["Sign in first.", "f'Hello {name}'", "Saved.", "Nope"]
    assert [line.split(": ", 1)[1] for line in loose] == [repr(text) for text in expected]
    assert len(strict) == len(loose) + 2
