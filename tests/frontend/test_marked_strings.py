"""Every user-facing string of the source is marked for translation (issue 18).

``test_languages.py`` proves the catalogues hold every *marked* string; this module
proves nothing people read was left unmarked. Three scanners read the project's own
source (its apps; not the virtualenv, the tests or the migrations):

- templates (Django's template ``Lexer``, then ``html.parser``): text outside
  ``{% translate %}`` / ``{% blocktranslate %}``, and the attribute values people read
  (``alt``, ``title``, ``placeholder``, ``aria-label``, a submit input's ``value``, ...);
- Python (``ast``): literal text given to messages, validation errors, form and model
  fields' labels and help, choices' labels, response bodies, mail subjects and the
  refusals that reach people (the live protocol's and the services' errors);
- browser scripts (a small tokenizer): literal text given to ``textContent`` and its
  kin, to ``setAttribute`` of a read attribute, to the announce/alert/status helpers
  and the ``el`` builder, without ``t()`` / ``nt()``.

Each finding names ``file:line`` and the text. Text without a letter (numbers,
punctuation, symbols such as the multiplication sign or →) is not language and is never reported.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple

import pytest
from django.template.base import Lexer, TokenType

ROOT = Path(__file__).resolve().parents[2]
APPS = (
    "boards", "consensus", "consult", "demo", "frontend", "knowledge", "outreach", "people",
    "polls", "privacy", "qna", "reports", "representation", "sessions", "synthesis",
)  # fmt: skip
SKIPPED_DIRS = {"migrations", "__pycache__", "node_modules", "vendor"}

LETTER = re.compile(r"[^\W\d_]")  # any letter of any script


def has_words(text: str) -> bool:
    return bool(LETTER.search(text))


class Finding(NamedTuple):
    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text!r}"


def source_files(*suffixes: str, under: str | None = None) -> list[Path]:
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*")):
            parts = set(path.relative_to(ROOT).parts)
            if parts & SKIPPED_DIRS or not path.is_file() or path.suffix not in suffixes:
                continue
            if under is not None and under not in parts:
                continue
            found.append(path)
    return found


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


# ------------------------------------------------------------------- templates

BLOCK_TRANSLATE = {"blocktranslate": "endblocktranslate", "blocktrans": "endblocktrans"}
# Template output that is not the template's own text: it stands in for it in the HTML
# the parser reads (no letter, so never reported; a tag keeps the lines in step).
PLACEHOLDER = "\ufffc"
# Attributes whose value people read (or hear).
READ_ATTRIBUTES = {
    "alt", "title", "placeholder", "aria-label", "aria-description", "aria-placeholder",
    "aria-roledescription", "aria-valuetext",
}  # fmt: skip
SHOWN_VALUE_INPUTS = {"submit", "button", "reset"}  # <input type=...>: the value is shown
NOT_TEXT_ELEMENTS = {"script", "style"}
KEY_CAPS = "kbd"  # a single character in <kbd> is a key's cap (O, R, ?), the same everywhere


def _tag_name(token) -> str:
    return token.contents.split(" ", 1)[0] if token.token_type == TokenType.BLOCK else ""


@functools.cache
def attribute_blocks() -> dict[str, str]:
    """{block: attribute} for the blocks a parent template places inside an attribute's
    value (``<body class="{% block body_class %}...``): a child's text for them is that
    attribute's value, not text between tags."""
    found = {}
    for path in source_files(".html", ".txt", under="templates"):
        before: list[str] = []
        for token in Lexer(path.read_text(encoding="utf-8")).tokenize():
            if token.token_type == TokenType.TEXT:
                before.append(token.contents)
            elif _tag_name(token) == "block":
                html = "".join(before)
                inside = re.search(r"<[^<>]*?([\w:-]+)\s*=\s*[\"']?[^\"'<>]*$", html)
                if inside:
                    found[token.contents.split()[1]] = inside.group(1)
            else:
                before.append(PLACEHOLDER)
    return found


def template_html(source: str) -> str:
    """The template as the HTML it writes of its own: every tag, variable, comment and
    translated string replaced by a placeholder; the lines kept where they were."""
    out: list[str] = []
    skipping_until: str | None = None  # the end tag of a translated or commented block
    tokens = Lexer(source).tokenize()
    extends = any(_tag_name(token) == "extends" for token in tokens)
    blocks: list[str] = []  # the open blocks' closing text
    for token in tokens:
        if token.token_type == TokenType.TEXT:
            text = token.contents
            out.append(re.sub(r"[^\n]+", PLACEHOLDER, text) if skipping_until else text)
            continue
        name = _tag_name(token)
        if skipping_until:
            if name == skipping_until:
                skipping_until = None
        elif name in BLOCK_TRANSLATE:
            skipping_until = BLOCK_TRANSLATE[name]
        elif name == "comment":
            skipping_until = "endcomment"
        elif name == "verbatim":
            skipping_until = "endverbatim"
        elif name == "block":
            attribute = attribute_blocks().get(token.contents.split()[1]) if extends else None
            # A child's attribute block: its text in the tag the parent puts it in.
            out.append(f'<i {attribute}="' if attribute else "")
            blocks.append('">' if attribute else "")
            continue
        elif name == "endblock" and blocks:
            out.append(blocks.pop())
            continue
        out.append(PLACEHOLDER)
    return "".join(out)


class _TemplateText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self.hidden_depth = 0  # inside <script>/<style>
        self.open_tag = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        values = dict(attrs)
        for name, value in attrs:
            if not value:
                continue
            read = name in READ_ATTRIBUTES
            read |= name == "value" and tag == "input" and values.get("type") in SHOWN_VALUE_INPUTS
            read |= name == "label" and tag in {"option", "optgroup", "track"}
            read |= name == "content" and tag == "meta" and values.get("name") == "description"
            if read and has_words(value):
                self.found.append((line, f"{name}={value!r}"))
        if tag in NOT_TEXT_ELEMENTS:
            self.hidden_depth += 1
        self.open_tag = tag

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in NOT_TEXT_ELEMENTS:
            self.hidden_depth -= 1

    def handle_endtag(self, tag: str) -> None:
        self.open_tag = ""
        if tag in NOT_TEXT_ELEMENTS and self.hidden_depth:
            self.hidden_depth -= 1

    def handle_data(self, data: str) -> None:
        if self.hidden_depth or not has_words(data):
            return
        if self.open_tag == KEY_CAPS and len(data.strip()) == 1:
            return
        line = self.getpos()[0] + data[: len(data) - len(data.lstrip())].count("\n")
        text = " ".join(data.replace(PLACEHOLDER, "…").split())
        self.found.append((line, text))


# Literal text inside tags and variables that ends up on the page: a filter's shown
# argument ({{ x|default:"None yet" }}, yesno's words) and an include's or a with's
# text for people ({% include "x.html" with label="Send" %}); _("...") is marked.
SHOWN_FILTER_ARGUMENT = re.compile(r"""\|(?:default|default_if_none|yesno):(["'])(.*?)\1""")
SHOWN_TAG_ARGUMENT = re.compile(
    r"""\b(?:label|title|text|message|hint|help|heading|caption|legend|empty|placeholder|alt)"""
    r"""=(["'])(.*?)\1"""
)


def tag_literals(source: str) -> Iterator[tuple[int, str]]:
    for token in Lexer(source).tokenize():
        if token.token_type not in {TokenType.VAR, TokenType.BLOCK}:
            continue
        found = list(SHOWN_FILTER_ARGUMENT.finditer(token.contents))
        if _tag_name(token) in {"include", "with"}:
            found += SHOWN_TAG_ARGUMENT.finditer(token.contents)
        if _tag_name(token) == "firstof":
            found += re.finditer(r"""(?<![\w(])(["'])(.*?)\1""", token.contents)
        for match in found:
            if has_words(match.group(2)):
                yield token.lineno, match.group()


def scan_template(source: str, path: str = "<template>") -> list[Finding]:
    parser = _TemplateText()
    parser.feed(template_html(source))
    parser.close()
    found = sorted([*parser.found, *tag_literals(source)], key=lambda f: f[0])
    return [Finding(path, line, text) for line, text in found]


# ---------------------------------------------------------------------- python

MARKING_CALLS = {
    "_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy", "pgettext",
    "pgettext_lazy", "npgettext", "npgettext_lazy", "_lazy", "_noop",
}  # fmt: skip
MESSAGE_LEVELS = {"debug", "info", "success", "warning", "error"}
# Keywords whose value is shown as a label or a help text (forms, model fields, kinds).
# A mail's subject given by keyword (consult.notifications.queue) is read too.
LABEL_KEYWORDS = {
    "label", "help_text", "empty_label", "verbose_name", "verbose_name_plural", "subject",
    "description",
}  # fmt: skip
# Class attributes that name something for people (a Meta's names, an activity kind's).
LABEL_ATTRIBUTES = {"verbose_name", "verbose_name_plural", "label"}
# A dict with these keys gives attributes people read (a widget's attrs); "title" too
# where the dict is a widget's ``attrs=`` (elsewhere it is mostly data: a demo's titles).
# A dict's "message" is a message for people (the socket's error and acknowledgement
# payloads, JSON answers to the console's forms).
READ_KEYS = (READ_ATTRIBUTES - {"title"}) | {"message"}
# The API's schema (drf-spectacular, from the serializers' help_text) is for programmers,
# in English like the rest of the OpenAPI document; its error *messages* are checked.
SCHEMA_MODULES = {"serializers"}
SCHEMA_CALLS = ("OpenApi", "extend_schema", "inline_serializer")
RELATION_FIELDS = {"ForeignKey", "OneToOneField", "ManyToManyField"}
CHOICES_BASES = {"TextChoices", "IntegerChoices", "Choices"}
# Responses whose body is text for people (a redirect's argument is an address).
NOT_TEXT_RESPONSES = {"HttpResponseRedirect", "HttpResponsePermanentRedirect",
                      "HttpResponseNotModified", "HttpResponseNotAllowed"}  # fmt: skip
# Refusals whose message reaches people, with its position (None: by keyword only).
# The live protocol's errors (sessions.protocol.ProtocolError, sessions.kinds.CommandError:
# ``code, message``) go to the socket and are shown in the room and the console; the
# API's (consult.api_errors) become the JSON body's ``message``; the services' refusals
# are shown by their views (a synthesis WeightingError as the balanced view's note), and
# PermissionDenied by 403.html. Subclasses defined in the source count too.
MESSAGE_EXCEPTIONS = {
    "ProtocolError": 1, "CommandError": 1, "ApiError": None, "TargetError": 0,
    "OutreachError": 0, "DirectoryError": 0, "ImportRefused": 0, "WeightingError": 0,
    "BoardThemesError": 0, "ConsultThemesError": 0, "PermissionDenied": 0,
}  # fmt: skip
# Functions that show or send their message (an API error body, the room socket's
# error, a form's error, the admin's message, mail).
MESSAGE_FUNCTIONS = {
    "error_body": 1, "send_error": 1, "add_error": 1, "message_user": 1, "send_mail": 0,
    "EmailMessage": 0, "EmailMultiAlternatives": 0,
}  # fmt: skip
MESSAGE_KEYWORDS = {"message", "detail", "error", "subject"}
# A CommandError of Django's management commands speaks to the operator at a terminal,
# in English like the rest of manage.py; only the live protocol's is read in the room.
MANAGEMENT_MODULES = {"django.core.management", "django.core.management.base"}


@functools.cache
def message_arguments() -> dict[str, int | None]:
    """MESSAGE_FUNCTIONS, MESSAGE_EXCEPTIONS and every exception of the source that
    derives from one of them (``class NotABoardError(BoardThemesError)``)."""
    bases: dict[str, set[str]] = {}
    for path in source_files(".py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases.setdefault(node.name, set()).update(_name(b) for b in node.bases)
    found: dict[str, int | None] = {**MESSAGE_FUNCTIONS, **MESSAGE_EXCEPTIONS}
    grown = True
    while grown:
        grown = False
        for name, parents in bases.items():
            inherited = [found[p] for p in parents if p in found]
            if name not in found and inherited:
                found[name] = inherited[0]
                grown = True
    return found


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def unmarked_text(node: ast.expr | None) -> Iterator[tuple[int, str]]:
    """The literal text with letters an expression gives without a gettext call:
    a string, an f-string, ``"..." % x``, ``"...".format(...)``, either branch of a
    conditional, a part of ``a or b``. Other expressions cannot be judged here."""
    if node is None:
        return
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        if has_words(node.value):
            yield node.lineno, node.value
    elif isinstance(node, ast.JoinedStr):
        literal = "".join(v.value if isinstance(v, ast.Constant) else "{…}" for v in node.values)
        if any(isinstance(v, ast.Constant) and has_words(v.value) for v in node.values):
            yield node.lineno, literal
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        yield from unmarked_text(node.left)
        if isinstance(node.op, ast.Add):
            yield from unmarked_text(node.right)
    elif isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "format":
            yield from unmarked_text(func.value)
        elif _name(func) in {"format_html", "mark_safe", "str", "format_lazy"} and node.args:
            yield from unmarked_text(node.args[0])
    elif isinstance(node, ast.IfExp):
        yield from unmarked_text(node.body)
        yield from unmarked_text(node.orelse)
    elif isinstance(node, ast.BoolOp | ast.Dict):  # a or b; ValidationError({"f": "..."})
        for value in node.values:
            yield from unmarked_text(value)
    elif isinstance(node, ast.List | ast.Tuple):  # ValidationError(["a", "b"])
        for element in node.elts:
            yield from unmarked_text(element)


def _argument(call: ast.Call, position: int | None, keywords: set[str]) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg in keywords:
            return keyword.value
    if position is not None and len(call.args) > position:
        argument = call.args[position]
        return None if isinstance(argument, ast.Starred) else argument
    return None


class _PythonText(ast.NodeVisitor):
    def __init__(self) -> None:
        self.found: list[tuple[int, str, str]] = []
        self.management_errors = False  # CommandError here is Django's management one
        self.seen_dicts: set[int] = set()  # attrs= dicts, already read
        self.marking = set(MARKING_CALLS)  # and their names here (gettext_lazy as _l)

    def report(self, node: ast.expr | None, where: str) -> None:
        for line, text in unmarked_text(node):
            self.found.append((line, where, text))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module == "django.utils.translation":
            self.marking.update(a.asname or a.name for a in node.names)
        if node.module in MANAGEMENT_MODULES and any(a.name == "CommandError" for a in node.names):
            self.management_errors = True

    def visit_Call(self, node: ast.Call) -> None:
        func, name = node.func, _name(node.func)
        if name in self.marking:
            return  # marked: nothing inside is reported
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "messages"
        ):
            if name in MESSAGE_LEVELS:
                self.report(_argument(node, 1, {"message"}), f"messages.{name}")
            elif name == "add_message":
                self.report(_argument(node, 2, {"message"}), "messages.add_message")
        if name.endswith("ValidationError"):
            self.report(_argument(node, 0, {"message"}), name)
        elif name in message_arguments() and not (
            name == "CommandError" and self.management_errors
        ):
            self.report(_argument(node, message_arguments()[name], MESSAGE_KEYWORDS), name)
        if name.startswith("HttpResponse") and name not in NOT_TEXT_RESPONSES:
            self.report(_argument(node, 0, {"content"}), name)
        in_schema = name.startswith(SCHEMA_CALLS) or (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in SCHEMA_MODULES
        )
        for keyword in node.keywords:
            if keyword.arg in LABEL_KEYWORDS and not in_schema:
                self.report(keyword.value, f"{name}({keyword.arg}=)")
            elif keyword.arg == "attrs" and isinstance(keyword.value, ast.Dict):
                self.report_keys(keyword.value, READ_ATTRIBUTES)
                self.seen_dicts.add(id(keyword.value))
            elif keyword.arg == "choices":
                self.report_choices(keyword.value)
        is_model_field = (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "models"
            and name.endswith("Field")
            and name not in RELATION_FIELDS
        )
        if is_model_field and node.args:
            self.report(node.args[0], f"models.{name} verbose name")
        self.generic_visit(node)

    def report_choices(self, node: ast.expr) -> None:
        """``choices=[(value, label), ...]``: the labels."""
        if isinstance(node, ast.List | ast.Tuple):
            for pair in node.elts:
                if isinstance(pair, ast.Tuple) and len(pair.elts) == 2:
                    self.report(pair.elts[1], "choice label")

    def report_keys(self, node: ast.Dict, keys: set[str]) -> None:
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and key.value in keys:
                self.report(value, f"{key.value!r} value")

    def visit_Dict(self, node: ast.Dict) -> None:
        if id(node) not in self.seen_dicts:
            self.report_keys(node, READ_KEYS)
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        choices = any(_name(base) in CHOICES_BASES for base in node.bases)
        # An AppConfig's label is the app's name in code; its verbose_name is read.
        labels = LABEL_ATTRIBUTES - (
            {"label"} if any(_name(base) == "AppConfig" for base in node.bases) else set()
        )
        for statement in node.body:
            if not isinstance(statement, ast.Assign | ast.AnnAssign) or statement.value is None:
                continue
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            names = {t.id for t in targets if isinstance(t, ast.Name)}
            if names & labels:
                self.report(statement.value, f"{node.name}.{sorted(names)[0]}")
            elif choices and not names & {"do_not_call_in_templates"}:
                value = statement.value
                if isinstance(value, ast.Tuple) and len(value.elts) >= 2:
                    self.report(value.elts[-1], f"{node.name} label")
                else:
                    line = statement.lineno
                    label = ", ".join(sorted(names))
                    self.found.append((line, f"{node.name} label", f"{label} (no label given)"))
        self.generic_visit(node)


def scan_python(source: str, path: str = "<python>") -> list[Finding]:
    visitor = _PythonText()
    visitor.visit(ast.parse(source))
    found = sorted(visitor.found, key=lambda f: f[0])
    return [Finding(path, line, f"{where}: {text}") for line, where, text in found]


# --------------------------------------------------------------------- scripts

JS_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    | (?P<comment>//[^\n]*|/\*.*?\*/)
    | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
    | (?P<template>`)
    | (?P<number>\d[\w.]*|\.\d\w*)
    | (?P<name>[A-Za-z_$][\w$]*)
    | (?P<punct>===|!==|==|!=|<=|>=|=>|&&|\|\||\?\?|\?\.|\+=|-=|\*=|/=|\+\+|--|\.\.\.|[^\s\w])
    """,
    re.VERBOSE | re.DOTALL,
)
# After these a "/" starts a regular expression, not a division.
REGEX_AFTER = set("(,=:[!&|?{};+-*%<>~^") | {
    "return", "typeof", "case", "do", "else", "in", "of", "new", "delete", "void", "throw",
    "===", "!==", "==", "!=", "<=", ">=", "=>", "&&", "||", "??", "+=", "-=",
}  # fmt: skip
REGEX = re.compile(r"/(?:[^/\\\[\n]|\\.|\[(?:[^\]\\\n]|\\.)*\])+/[a-z]*")


class JsToken(NamedTuple):
    kind: str  # name, string (also a template literal), number, punct, regex
    value: str  # a string's text without its quotes
    line: int
    newline_before: bool


def _template_end(source: str, start: int) -> int:
    """The index after the template literal opening at ``start`` (a backquote)."""
    i, depth = start + 1, 0
    while i < len(source):
        c = source[i]
        if c == "\\":
            i += 2
            continue
        if depth == 0 and c == "`":
            return i + 1
        if depth == 0 and source.startswith("${", i):
            depth, i = 1, i + 2
            continue
        if depth:
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
            elif c in "\"'`":
                end = _template_end(source, i) if c == "`" else JS_TOKEN.match(source, i).end()
                i = end
                continue
        i += 1
    return i


def _unescape(text: str) -> str:
    """A JavaScript string's text with its escapes (\\u00a0, \\n, ...) read."""

    def one(match: re.Match) -> str:
        code = match.group(1) or match.group(2) or match.group(3)
        return chr(int(code, 16)) if code else match.group(4)

    return re.sub(r"\\(?:u\{([0-9a-fA-F]+)\}|u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|(.))", one, text)


def js_tokens(source: str) -> list[JsToken]:
    tokens: list[JsToken] = []
    i, line, newline = 0, 1, False
    while i < len(source):
        previous = tokens[-1].value if tokens and tokens[-1].kind in {"punct", "name"} else None
        if (
            source[i] == "/"
            and not source.startswith(("//", "/*"), i)
            and (not tokens or previous in REGEX_AFTER)
        ):
            found = REGEX.match(source, i)
            if found:
                tokens.append(JsToken("regex", found.group(), line, newline))
                i, newline = found.end(), False
                continue
        if source[i] == "`":
            end = _template_end(source, i)
            # The template's own text: its ${...} parts are not literal text.
            body = re.sub(r"\$\{.*?\}", "\ufffc", source[i + 1 : end - 1], flags=re.DOTALL)
            tokens.append(JsToken("string", body, line, newline))
            line += source.count("\n", i, end)
            i, newline = end, False
            continue
        match = JS_TOKEN.match(source, i)
        kind, text = match.lastgroup, match.group()
        if kind in {"space", "comment"}:
            newline = newline or "\n" in text
        elif kind == "string":
            tokens.append(JsToken("string", _unescape(text[1:-1]), line, newline))
            newline = False
        else:
            tokens.append(JsToken(kind, text, line, newline))
            newline = False
        line += text.count("\n")
        i = match.end()
    return tokens


JS_MARKING = {"t", "nt", "gettext", "ngettext", "pgettext", "npgettext"}
JS_FORMATTING = {"fmt", "interpolate"}  # their first argument is shown
# Properties that show their value.
JS_SHOWN_PROPERTIES = {
    "textContent", "innerText", "title", "placeholder", "ariaLabel", "ariaDescription",
    "ariaValueText", "ariaRoleDescription", "alt", "label",
}  # fmt: skip
# The project's helpers (and the DOM's) that show text: the argument positions shown.
JS_SHOWING_CALLS = {
    "announce": (0,), "alert": (0,), "showAlert": (0,), "setStatus": (0,), "confirm": (0,),
    "prompt": (0,), "createTextNode": (0,), "append": None, "prepend": None,
    "replaceChildren": None, "before": None, "after": None, "replaceWith": None,
    "el": (2,), "badge": (2,), "button": (1,),
}  # fmt: skip
# Keys of the el() attributes (and the DOM's) that are shown.
JS_SHOWN_KEYS = {"text", "title", "placeholder", "alt", "aria-label", "ariaLabel",
                 "aria-description", "aria-valuetext", "label"}  # fmt: skip
COMPARISONS = {"===", "!==", "==", "!=", "case", "in"}
OPENERS, CLOSERS = {"(": ")", "[": "]", "{": "}"}, {")", "]", "}"}
# A new line ends a statement unless the line before or after it continues it.
CONTINUES = set("+-*/%?:.,=&|<>([{") | {"&&", "||", "??", "===", "!==", "==", "!=", "?."}
KEYWORDS_BEFORE_PAREN = {"if", "for", "while", "switch", "return", "typeof", "catch", "function",
                         "in", "of", "new", "void", "delete", "await", "yield"}  # fmt: skip


def _match(tokens: list[JsToken], i: int) -> int:
    """The index of the closer of the opener at ``i`` (or the end)."""
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j].kind == "punct":
            if tokens[j].value in OPENERS:
                depth += 1
            elif tokens[j].value in CLOSERS:
                depth -= 1
                if depth == 0:
                    return j
    return len(tokens)


def _expression_end(tokens: list[JsToken], start: int) -> int:
    """The end (exclusive) of the expression starting at ``start``."""
    j = start
    while j < len(tokens):
        tok = tokens[j]
        if tok.kind == "punct" and tok.value in OPENERS:
            j = _match(tokens, j) + 1
            continue
        if tok.kind == "punct" and tok.value in {";", ",", ")", "]", "}"}:
            return j
        if (
            j > start
            and tok.newline_before
            and tokens[j - 1].value not in CONTINUES
            and tok.value not in CONTINUES
        ):
            return j
        j += 1
    return j


def _arguments(tokens: list[JsToken], open_index: int) -> list[tuple[int, int]]:
    """The (start, end) of each argument of the call whose "(" is at ``open_index``."""
    close = _match(tokens, open_index)
    spans, start, j = [], open_index + 1, open_index + 1
    while j < close:
        if tokens[j].kind == "punct" and tokens[j].value in OPENERS:
            j = _match(tokens, j) + 1
            continue
        if tokens[j].kind == "punct" and tokens[j].value == ",":
            spans.append((start, j))
            start = j + 1
        j += 1
    if start < close:
        spans.append((start, close))
    return spans


def _callee(tokens: list[JsToken], open_index: int) -> str | None:
    """The called name if the "(" at ``open_index`` opens a call's arguments."""
    if open_index == 0:
        return None
    before = tokens[open_index - 1]
    if before.kind == "name" and before.value not in KEYWORDS_BEFORE_PAREN:
        return before.value
    if before.kind == "punct" and before.value in {")", "]"}:
        return ""
    return None


def shown_literals(tokens: list[JsToken], lo: int, hi: int) -> Iterator[JsToken]:
    """The literal text with letters the expression ``tokens[lo:hi]`` shows unmarked."""
    i = lo
    while i < hi:
        tok = tokens[i]
        if tok.kind == "string":
            before = tokens[i - 1].value if i > lo else None
            after = tokens[i + 1].value if i + 1 < hi else None
            keyed = before == "[" and after == "]"
            compared = before in COMPARISONS or after in COMPARISONS
            if not keyed and not compared and has_words(tok.value):
                yield tok
            i += 1
        elif tok.kind == "punct" and tok.value == "(":
            close = min(_match(tokens, i), hi)
            callee = _callee(tokens, i)
            if callee is None:  # a group
                yield from shown_literals(tokens, i + 1, close)
            elif callee in JS_FORMATTING:
                spans = _arguments(tokens, i)
                if spans:
                    yield from shown_literals(tokens, *spans[0])
            # Any other call (t() and nt() included) gives what it gives.
            i = close + 1
        elif tok.kind == "punct" and tok.value == "[":
            close = min(_match(tokens, i), hi)
            indexing = i > lo and (
                tokens[i - 1].kind == "name" or tokens[i - 1].value in {")", "]"}
            )
            if not indexing:  # an array: its elements are shown (el's children)
                yield from shown_literals(tokens, i + 1, close)
            i = close + 1
        elif tok.kind == "punct" and tok.value == "{":
            i = min(_match(tokens, i), hi) + 1  # an object or a function's body
        elif tok.kind == "punct" and tok.value == "=>":
            return  # a function given as a value
        else:
            i += 1


def scan_script(source: str, path: str = "<script>") -> list[Finding]:
    tokens = js_tokens(source)
    found: dict[tuple[int, str], Finding] = {}

    def report(lo: int, hi: int, where: str) -> None:
        for tok in shown_literals(tokens, lo, hi):
            found.setdefault(
                (tok.line, tok.value), Finding(path, tok.line, f"{where}: {tok.value}")
            )

    for i, tok in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        previous = tokens[i - 1] if i else None
        if nxt is None:
            break
        # node.textContent = "..."
        if (
            tok.kind == "name"
            and tok.value in JS_SHOWN_PROPERTIES
            and previous is not None
            and previous.value in {".", "?."}
            and nxt.value in {"=", "+="}
        ):
            report(i + 2, _expression_end(tokens, i + 2), f".{tok.value} =")
        # node.setAttribute("aria-label", "...")
        elif tok.value == "setAttribute" and nxt.value == "(":
            spans = _arguments(tokens, i + 1)
            if len(spans) == 2 and tokens[spans[0][0]].kind == "string":
                attribute = tokens[spans[0][0]].value
                if attribute in READ_ATTRIBUTES:
                    report(*spans[1], f"setAttribute({attribute!r})")
        # announce("..."), el("p", {}, ["..."]), ...
        elif tok.kind == "name" and tok.value in JS_SHOWING_CALLS and nxt.value == "(":
            if previous is not None and previous.value == "function":
                continue  # its definition
            positions = JS_SHOWING_CALLS[tok.value]
            for n, span in enumerate(_arguments(tokens, i + 1)):
                if positions is None or n in positions:
                    report(*span, f"{tok.value}()")
        # el("p", { text: "..." })
        elif (
            tok.kind in {"name", "string"}
            and tok.value in JS_SHOWN_KEYS
            and nxt.value == ":"
            and previous is not None
            and previous.value in {"{", ","}
        ):
            report(i + 2, _expression_end(tokens, i + 2), f"{tok.value}:")
    return sorted(found.values(), key=lambda f: (f.line, f.text))


def own_scripts() -> list[Path]:
    """The project's browser scripts: not a vendored or minified bundle."""
    return [
        path for path in source_files(".js", under="static") if not path.name.endswith(".min.js")
    ]


# ------------------------------------------------------------------ allow-list

# Legitimate exceptions, each with its reason: (path, the reported text).
ALLOWED: dict[tuple[str, str], str] = {}


def _unexplained(findings: list[Finding]) -> list[str]:
    return [str(f) for f in findings if (f.path, f.text) not in ALLOWED]


# ----------------------------------------------------------------------- tests


def test_the_scanners_read_the_whole_source():
    templates, modules, scripts = (
        source_files(".html", ".txt", under="templates"),
        source_files(".py"),
        own_scripts(),
    )
    assert len(templates) > 50 and len(modules) > 100 and len(scripts) > 5
    assert not [p for p in modules if "migrations" in p.parts]


@pytest.mark.parametrize("path", source_files(".html", ".txt", under="templates"), ids=relative)
def test_templates_mark_their_text(path):
    findings = scan_template(path.read_text(encoding="utf-8"), relative(path))
    assert _unexplained(findings) == []


@pytest.mark.parametrize("path", source_files(".py"), ids=relative)
def test_python_marks_its_text(path):
    findings = scan_python(path.read_text(encoding="utf-8"), relative(path))
    assert _unexplained(findings) == []


@pytest.mark.parametrize("path", own_scripts(), ids=relative)
def test_scripts_mark_their_text(path):
    findings = scan_script(path.read_text(encoding="utf-8"), relative(path))
    assert _unexplained(findings) == []


def test_the_allow_list_names_only_what_is_still_found():
    found = {
        (f.path, f.text)
        for path in source_files(".html", ".txt", ".py", ".js")
        for f in (
            scan_template(path.read_text(encoding="utf-8"), relative(path))
            if path.suffix in {".html", ".txt"} and "templates" in path.parts
            else scan_python(path.read_text(encoding="utf-8"), relative(path))
            if path.suffix == ".py"
            else scan_script(path.read_text(encoding="utf-8"), relative(path))
            if "static" in path.parts
            else []
        )
    }
    assert [key for key in ALLOWED if key not in found] == []


# ------------------------------------------------------------ the scanners' own


def _texts(findings: list[Finding]) -> list[str]:
    return [f.text for f in findings]


def test_the_template_scanner_reports_unmarked_text_and_passes_marked():
    unmarked = (
        "{% load i18n %}<title>Room</title>\n"
        "<p>{{ name }} has joined</p>\n"
        '<img src="a.png" alt="A chart">\n'
        '<input type="submit" value="Send">\n'
        '<button aria-label="Close {{ x }}">\u00d7</button>\n'
        '<input placeholder="Your name" value="kept data">\n'
        "<script>var s = 'not text';</script><style>p:before{content:'x'}</style>\n"
        '{{ when|default:"Never" }} {% include "b.html" with label="Send" cls="x" %}'
    )
    findings = scan_template(unmarked, "t.html")
    assert _texts(findings) == [
        "Room", "… has joined", "alt='A chart'", "value='Send'", "aria-label='Close \ufffc'",
        "placeholder='Your name'", '|default:"Never"', 'label="Send"',
    ]  # fmt: skip
    assert [f.line for f in findings] == [1, 2, 3, 4, 5, 6, 8, 8]
    marked = (
        "{% load i18n %}<title>{% translate 'Room' %}</title>\n"
        "<p>{% blocktranslate with n=name %}{{ n }} has\njoined{% endblocktranslate %}</p>\n"
        '<img alt="{% translate "A chart" %}"> <b>{{ a }} · 3 → 4 &times; 10%</b>\n'
        '<input type="submit" value="{% trans "Send" %}">{# a comment #}\n'
        "{% comment %}Notes for developers{% endcomment %}\n"
        '<button aria-label="{% translate "Close" %} {{ x }}">\u00d7</button>\n'
        "{% blocktrans count n=k %}one{% plural %}many{% endblocktrans %}\n"
        '{{ when|default:_("Never")|date:"DATE_FORMAT" }} {{ n|default:"0" }}\n'
        '{% include "b.html" with label=_("Send") cls="danger" %}'
    )
    assert scan_template(marked) == []


def test_the_python_scanner_reports_unmarked_text_and_passes_marked():
    unmarked = """
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpResponse
from sessions.kinds import CommandError

class Colour(models.TextChoices):
    RED = "red", "Red"
    BLUE = "blue"

class Thing(models.Model):
    name = models.CharField("Name", help_text="What it is called")

    class Meta:
        verbose_name = "thing"

class ThingForm(forms.Form):
    name = forms.CharField(label="Name", widget=forms.TextInput(attrs={"placeholder": "Ana"}))
    kind = forms.ChoiceField(choices=[("a", "First")])

def view(request, n):
    messages.success(request, "Saved.")
    messages.error(request, f"{n} failed")
    return JsonResponse({"type": "error", "code": "bad", "message": "It broke."})
    raise ValidationError({"name": "Too long"})
    raise CommandError("invalid_value", "Not a number." if n else "Too big.")
    return HttpResponse("Not allowed %s" % n, status=403)
"""
    assert _texts(scan_python(unmarked)) == [
        "Colour label: Red", "Colour label: BLUE (no label given)",
        "CharField(help_text=): What it is called", "models.CharField verbose name: Name",
        "Meta.verbose_name: thing", "CharField(label=): Name", "'placeholder' value: Ana",
        "choice label: First", "messages.success: Saved.",
        "messages.error: {…} failed", "'message' value: It broke.", "ValidationError: Too long",
        "CommandError: Not a number.", "CommandError: Too big.",
        "HttpResponse: Not allowed %s",
    ]  # fmt: skip
    marked = """
from django.core.management.base import CommandError
from django.utils.translation import gettext as _, gettext_lazy, ngettext

class Colour(models.TextChoices):
    RED = "red", gettext_lazy("Red")

class Thing(models.Model):
    name = models.CharField(_("Name"), help_text=_("What it is called"), max_length=9)
    parent = models.ForeignKey("Thing", on_delete=models.CASCADE)

def view(request, n):
    messages.success(request, ngettext("%(n)s saved.", "%(n)s saved.", n) % {"n": n})
    raise ValidationError(_("Too long"), code="too_long")
    raise CommandError("a management command speaks to the operator")
    return HttpResponse("", status=204) or HttpResponse(b"%PDF", content_type="x/y")
"""
    assert scan_python(marked) == []


def test_the_script_scanner_reports_unmarked_text_and_passes_marked():
    unmarked = """
    var t = window.gettext;
    node.textContent = "Vote recorded";
    box.title = ok ? t("Fine") : 'Not fine';
    b.setAttribute("aria-label", `Close ${name} now`);
    api.announce("New question");
    el("p", { className: "x", text: "Hello" }, [el("b"), "world"]);
    setStatus(fmt("%s left", [n]), false);
    """
    assert _texts(scan_script(unmarked)) == [
        ".textContent =: Vote recorded", ".title =: Not fine",
        "setAttribute('aria-label'): Close \ufffc now", "announce(): New question",
        "el(): world", "text:: Hello", "setStatus(): %s left",
    ]  # fmt: skip
    marked = """
    var t = window.gettext || function (s) { return s; };  // "quoted" in a comment
    node.textContent = t("Vote recorded");
    box.title = ok ? t("Fine") : api.t('Not fine');
    b.setAttribute("aria-label", fmt(t("Close %s"), [name]));
    b.setAttribute("aria-live", "polite");
    api.announce(api.nt("%s vote", "%s votes", n));
    el("p", { className: "hello world", text: t("Hello") + " " + n + " · " }, [x.name, "→"]);
    if (node.textContent === "Sending") node.textContent = names.join(" and ").length / 2;
    count.textContent = String(n) + "/" + max; var re = /"not a string/g;
    label.textContent = data["label"];
    """
    assert scan_script(marked) == []
