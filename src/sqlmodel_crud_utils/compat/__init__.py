"""Drop-in modules for code written against other libraries.

:mod:`sqlmodel_crud_utils.compat.deebase` exports deebase 0.7.0's names bound
to the async table facade.
"""

#: Nothing to import from here: each drop-in is its own module.
__all__: list[str] = []
