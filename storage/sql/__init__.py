"""The SQL implementation of the storage ports, one module per aggregate over one shared engine.

``storage.sql.base.SqlStore`` holds the engine, the one-transaction-per-method session and the
lookups every aggregate needs; each ``Sql*`` class implements one port of ``storage.ports``, and
``storage.repository.SqlRepository`` combines them all. Rows are read into records with
``Record.model_validate(row, from_attributes=True)``: the public fields are declared once, in
``storage.records``, and the columns once, in ``storage.tables``.
"""
