"""The planner's steps one at a time (issue 17): each takes values and returns one, and none changes what it was
given. ``tests/test_plan.py`` pins what the steps make together; these pin what each step alone decides."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest
from test_plan import ART_ALWAYS, PASSWORD, FakeCredentials, U, config

from uvauth import plan as planner
from uvauth.plan import Inputs, Settings
from uvauth.uv.cmdline import parse
from uvauth.uv.config.discover import UvConfig

OTHER = "https://other.example.com/simple"


def context(argv: Sequence[str], cfg: UvConfig | None = None, *, settings: Settings | None = None,
            env: Mapping[str, str] | None = None, credentials: FakeCredentials | None = None,
            uv_version: tuple[int, ...] = (0, 13, 8)) -> planner._Context:
    inputs = Inputs(cmdline=parse(list(argv)), env=dict(env or {}), cwd="/project", config=cfg, requirements=None,
                    settings=settings or Settings(), config_dir="/cache")
    return planner._Context(inputs, credentials or FakeCredentials({"art": ("user", PASSWORD)}), lambda: uv_version)


# -- the draft -------------------------------------------------------------------------------------------------------


def test_a_draft_is_never_changed_in_place() -> None:
    draft = planner._Draft(argv=("lock",))
    seeded = draft.seeding("art", U, True, hand=True).noting("a change").warning("a warning")
    assert draft == planner._Draft(argv=("lock",))
    assert (dict(seeded.seed), seeded.must_hand, seeded.changes, seeded.warnings) == (
        {"art": (U, True)}, frozenset({"art"}), ("a change",), ("a warning",))
    with pytest.raises(TypeError):
        draft.seed["x"] = ("u", True)  # type: ignore[index]  # the empty default is read-only, never shared


def test_seeding_first_keeps_an_earlier_lookup_and_a_later_one_replaces_it_in_place() -> None:
    draft = planner._Draft(argv=()).seeding("a", "https://a/", False).seeding("b", "https://b/", True)
    assert dict(draft.seeding("a", "https://other/", True, first=True).seed) == {
        "a": ("https://a/", False), "b": ("https://b/", True)}
    replaced = draft.seeding("a", "https://other/", True)
    assert list(replaced.seed.items()) == [("a", ("https://other/", True)), ("b", ("https://b/", True))]
    assert replaced.must_hand == frozenset()  # handing over is asked for separately


# -- step 1: policies ------------------------------------------------------------------------------------------------


def test_deciding_policies_reads_no_credentials_and_names_each_indexs_rule() -> None:
    credentials = FakeCredentials()
    ctx = context(["lock", "--index-url", U, "--index", OTHER], config(ART_ALWAYS),
                  settings=Settings(prefixes=("https://other.example.com/",)), credentials=credentials)
    contacted, decided = planner._decide_policies(ctx)
    shown = [(d.entry.text, d.entry.source, d.home.name if d.home else None, d.policy, d.why) for d in decided]
    # uv's order: extra indexes (the command line's before the configuration's), then the default.
    assert shown == [(OTHER, "cli", None, "always", "prefix"), (U, "config", "art", "always", "configured"),
                     (U, "cli", "art", "always", "configured")]
    assert [d.entry for d in decided] == contacted
    assert credentials.calls == []


# -- step 2: levers --------------------------------------------------------------------------------------------------


def test_choosing_levers_plans_the_lookups_without_making_any() -> None:
    credentials = FakeCredentials()
    ctx = context(["lock", "--default-index", U], config({**ART_ALWAYS, "default": True}), credentials=credentials)
    start = planner._Draft(argv=ctx.base_argv)
    draft, planned = planner._choose_levers(ctx, start, *planner._decide_policies(ctx))
    assert draft.argv == ("lock", "--default-index", "art") and draft.uses_by_name
    assert dict(draft.seed) == {} and [(p.merged_onto, p.lever) for p in planned] == [("art", "by-name")]
    assert start == planner._Draft(argv=ctx.base_argv) and credentials.calls == []


def test_an_old_uv_is_recorded_by_the_lever_and_refused_before_any_lookup() -> None:
    credentials = FakeCredentials()
    ctx = context(["lock", "--default-index", U], config({**ART_ALWAYS, "default": True}), credentials=credentials,
                  uv_version=(0, 9, 1))
    draft, _ = planner._choose_levers(ctx, planner._Draft(argv=ctx.base_argv), *planner._decide_policies(ctx))
    assert draft.argv == ctx.base_argv and not draft.uses_by_name
    assert draft.too_old is not None and "is 0.9.1" in draft.too_old
    assert planner._refusal(ctx, draft) == planner._Unchanged(draft.too_old, too_old=True)
    assert credentials.calls == []


# -- steps 4 to 6: credentials, assembly, limits ---------------------------------------------------------------------


def test_assembling_hands_the_credentials_found_and_keeps_the_typed_header() -> None:
    ctx = context(["pip", "compile", "--index-url", U, "r.in"], config({**ART_ALWAYS, "default": True}))
    draft, planned = planner._choose_levers(ctx, planner._Draft(argv=ctx.base_argv), *planner._decide_policies(ctx))
    seeded = planner._resolve_credentials(ctx, draft)
    made = planner._assemble(ctx, draft, planned, seeded)
    assert made.argv == ("pip", "compile", "--default-index", "art", "r.in")
    assert made.env == {"UV_CUSTOM_COMPILE_COMMAND": "uv pip compile r.in", "UV_PREVIEW_FEATURES": "index-by-name"}
    assert planner._fits_limits(ctx, made)
