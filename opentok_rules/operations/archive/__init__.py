"""Starting an archive: the options of ``start_archive``, :class:`ArchiveSpec` and its REST body,
the library's archive rules (``rules.toml``, ``rules_strict.toml``)."""
