"""The operations the rule engine runs, each in its own package of the same shape.

* ``session``: creating a session (``prepare_session``, :class:`~opentok_rules.SessionSpec`).
* ``token``: issuing a client token (``prepare_token``, :class:`~opentok_rules.TokenSpec`).
* ``archive``: starting an archive (``prepare_archive``, :class:`~opentok_rules.ArchiveSpec`).

In each: ``rules.toml`` (and ``rules_strict.toml``), the library's rules as policy data, read
by the loader that reads yours; ``domains.py``, the values each option holds once normalized;
``rules.py``, the operation's own kinds where the built-in ones do not say it; ``spec.py``, the
immutable spec and its REST form; ``prepare.py``, the pipeline from options to spec;
``compiled.py``, where it has one, the operation's own end of the compiled pass; ``schema.py``,
where it has one, its end of the JSON Schema. The session's also has ``convert.py`` (a spec to
and from plain dicts, through cattrs) and ``explain.py``.

Beside them: ``catalog.py`` declares the operations to the engine (``opentok_rules.engine``,
the same for all of them and naming none), ``library.py`` reads the library's rules and
defines :class:`~opentok_rules.Policy`, ``schema.py`` holds
:func:`~opentok_rules.to_json_schema`, and ``policy_run.py`` runs a policy's own ``[[test]]``
tables through every operation.
"""
