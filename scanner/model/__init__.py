"""Frozen data types crossing stage boundaries: evidence, facts, findings, results.

Nothing here does I/O or knows the law; everything serialises to plain JSON
through :func:`scanner.model.serial.to_jsonable`.
"""
