"""Every package-index URL named inside the requirements inputs of `uv pip compile/install/sync`.

uvauth must know which indexes a command will contact, including those written in requirements
files, *without* rewriting the user's files (a rewritten file changes uv's ``# via -r`` annotations
and its header).  This package reads the inputs the way uv 0.13.8 does and never sends a request, never
reads stdin, a pipe or a device (uv must read them itself) and never writes anything.

It is a port of, and was checked line by line against, uv 0.13.8's
``crates/uv-requirements-txt/src/lib.rs`` (``parse_entry``, ``parse_value``, ``eat_option``,
``parse_requirement_and_hashes``, ``parse_inner``/``update_from``), ``crates/uv-requirements-txt/src/
shquote.rs`` (``unquote``), ``crates/uv-pep508/src/verbatim_url.rs`` (``expand_env_vars``,
``split_scheme``, ``from_url_or_path``), ``crates/uv-configuration/src/requirements_input.rs``
(``RequirementsInput::resolve``/``resolve_local_path``), ``crates/uv-requirements/src/sources.rs``
(how an input is classified) and ``crates/uv-requirements/src/specification.rs`` (``from_sources``:
how inputs combine), plus ``crates/uv-scripts/src/lib.rs`` (``ScriptTag::parse``).  Behaviour that
surprises (all confirmed by running uv 0.13.8):

* Index options in a file included with ``-c`` *inside* a requirements file are dropped by uv (only
  its requirements are kept), while the same options in a constraints file given on the command
  line (``-c FILE``) count.  Both are reproduced.
* An ``--index-url`` inherited from a nested ``-r`` file counts as the including file's own: a later
  ``--index-url`` in the including file is "Multiple `--index-url` values provided", even when equal.
* Within one file, ``-r`` nesting compares index URLs as parsed URLs (a trailing slash or different
  credentials conflict; host case and a default port do not); across inputs uv compares with
  ``CanonicalUrl`` (:func:`uvauth.uv.urls.index_key`) and the *later* of two equal URLs wins.
* Files reached through a cycle are read again once from the other side (uv does not record the
  top-level file as visited), so options may repeat; uv keeps the repeats, and so do we.
* ``--no-index`` and the ignored options (``--pre`` …) must be followed by whitespace, ``=``, ``#`` or
  the end; value options are matched as prefixes (``-ihttps://…`` is an error, not an option).
* A value runs to the end of the line or to ``#`` (even inside a URL), may start on a *later* line
  when the option is followed by whitespace and a line break, and is unquoted with POSIX shell rules
  but never split: whitespace inside it stays.
* After a requirement's ``--hash`` values, the rest of the line is parsed as new statements, so
  ``pkg --hash=sha256:… -i URL`` sets the index URL.

Where uv would stop with an error of its own (bad syntax, a missing file, an invalid URL, an unnamed
requirement in a constraints file), uvauth does not fail: it skips the line, and from that point on it
raises none of its own errors either (uv would have stopped before reaching them).

Known gaps: requirement lines are not validated as PEP 508, so when uv would first stop on an invalid
requirement, uvauth may report a later index-URL conflict instead of leaving the error to uv (the
command fails either way).  Remote files and stdin are never read (see ``unread``).  A script's
``[tool.uv]`` is not checked for unknown keys, which uv rejects.  ``url`` is not normalized beyond
expansion and path resolution: compare URLs with :func:`uvauth.uv.urls.index_key`.  Windows paths are
handled only as far as uv treats them on POSIX.

The package's parts, each a port of the uv code its docstring names: :mod:`.statements` (the requirements.txt
grammar), :mod:`.reader` (what is read; paths, ``${VAR}`` expansion and reading a file), :mod:`.files` (a
requirements.txt file and its ``-r``/``-c`` includes), :mod:`.scripts` (PEP 723) and :mod:`.specification` (how a
command-line input is classified and how the inputs combine).
This ``__init__`` only re-exports the public names.
"""

from uvauth.uv.requirements.reader import IndexOptionKind, RequirementsIndexes, RequirementsIndexOption
from uvauth.uv.requirements.specification import read_index_options

__all__ = ["IndexOptionKind", "RequirementsIndexOption", "RequirementsIndexes", "read_index_options"]
