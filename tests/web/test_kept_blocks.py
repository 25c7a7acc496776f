"""`{% extends %}` lists the root template's blocks once and keeps them on it (web/templatetags/kept_blocks.py).

The circle pages, drawn with it and with Django's own `ExtendsNode`, are compared byte for byte in
test_kept_urls.py. Here: the project's tag is the kept one, chains of templates and overridden,
nested and `{{ block.super }}` blocks come out as Django draws them, a compiled root is walked once,
and a template read anew (a changed template with DEBUG on) is walked anew.
"""

from __future__ import annotations

import pytest
from django.template import Context, Engine, Template, engines
from django.template.base import Node, NodeList
from django.template.loader_tags import ExtendsNode

from carecircle.web.templatetags.kept_blocks import KeptExtendsNode, root_blocks

ROOT = (
    "<{% block head %}H{% endblock %}|{% if on %}{% block body %}B{% endblock %}{% endif %}"
    "|{% block foot %}F{% endblock %}>"
)
MIDDLE = "{% extends 'root' %}{% block body %}M[{{ block.super }}]{% block inner %}i{% endblock %}{% endblock %}"
CHILDREN = {
    "plain": "{% extends 'root' %}",
    "one": "{% extends 'root' %}{% block head %}h{{ x }}{% endblock %}",
    "super": "{% extends 'root' %}{% block foot %}{{ block.super }}+f{% endblock %}",
    "chain": "{% extends 'middle' %}{% block inner %}I{{ block.super }}{% endblock %}{% block head %}c{% endblock %}",
}
CASES = [(name, x, on) for name in CHILDREN for x in ("1", "<2>") for on in (True, False)]


def engine(**extra: object) -> Engine:
    """An engine with the project's builtins and these templates in memory, cached like the real one."""
    templates = {"root": ROOT, "middle": MIDDLE, **CHILDREN}
    loaders = [("django.template.loaders.cached.Loader", [("django.template.loaders.locmem.Loader", templates)])]
    return Engine(loaders=loaders, builtins=["carecircle.web.templatetags.kept_blocks"], **extra)  # type: ignore[arg-type]


def draw(one: Engine, name: str, **context: object) -> str:
    return one.get_template(name).render(Context(context))


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> list[NodeList]:
    """Every list of nodes walked for blocks (a template's whole list, then each inner one)."""
    counted: list[NodeList] = []
    walk = NodeList.get_nodes_by_type

    def counting(self: NodeList, nodetype: type[Node]) -> list[Node]:
        if nodetype.__name__ == "BlockNode":
            counted.append(self)
        return walk(self, nodetype)

    monkeypatch.setattr(NodeList, "get_nodes_by_type", counting)
    return counted


def test_the_project_s_extends_tag_is_the_kept_one() -> None:
    template = engines["django"].from_string("{% extends 'base.html' %}").template  # type: ignore[attr-defined]
    assert [type(node) for node in template.nodelist] == [KeptExtendsNode]


def test_every_chain_of_templates_is_drawn_as_django_draws_it(monkeypatch: pytest.MonkeyPatch) -> None:
    kept = engine()
    drawn = [draw(kept, name, x=x, on=on) for _ in range(2) for name, x, on in CASES]
    assert drawn[:4] == ["<H|B|F>", "<H||F>", "<H|B|F>", "<H||F>"]
    assert "<c|M[B]Ii|F>" in drawn, "a chain of three, block.super through each"
    monkeypatch.setattr(KeptExtendsNode, "render", ExtendsNode.render)
    django_s = engine()
    assert drawn == [draw(django_s, name, x=x, on=on) for _ in range(2) for name, x, on in CASES]


def test_a_compiled_root_is_walked_for_its_blocks_once(walks: list[NodeList], monkeypatch: pytest.MonkeyPatch) -> None:
    kept = engine()
    root = kept.get_template("root")

    def root_walks() -> int:
        return sum(1 for nodes in walks if nodes is root.nodelist)

    for _ in range(3):
        for name in CHILDREN:
            draw(kept, name, x="1", on=True)
    assert root_walks() == 1, "the root's blocks were kept, whichever child extends it"
    assert sorted(root_blocks(root)) == ["body", "foot", "head"], "a block inside an {% if %} is listed too"
    monkeypatch.setattr(KeptExtendsNode, "render", ExtendsNode.render)
    for name in CHILDREN:
        draw(kept, name, x="2", on=True)
    assert root_walks() == 1 + len(CHILDREN), "Django's node walks the root on every render"


def test_a_template_read_anew_is_walked_anew(walks: list[NodeList]) -> None:
    """With DEBUG on templates aren't cached: each page's root is a new template, its blocks listed again."""
    templates = {"root": ROOT, "one": CHILDREN["one"]}
    uncached = Engine(
        loaders=[("django.template.loaders.locmem.Loader", templates)],
        builtins=["carecircle.web.templatetags.kept_blocks"],
    )
    assert draw(uncached, "one", x="1", on=True) == "<h1|B|F>"
    first = len(walks)
    templates["root"] = "[{% block head %}{% endblock %}{% block other %}O{% endblock %}]"
    assert draw(uncached, "one", x="1", on=True) == "[h1O]", "the changed root, with its new block"
    assert len(walks) > first


def test_a_parent_given_as_a_template_is_followed() -> None:
    kept = engine()
    parent = Template("({% block head %}p{% endblock %})", engine=kept)
    child = Template("{% extends parent %}{% block head %}c{{ block.super }}{% endblock %}", engine=kept)
    for _ in range(2):
        assert child.render(Context({"parent": parent})) == "(cp)"
