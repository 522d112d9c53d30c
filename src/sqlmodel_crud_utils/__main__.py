"""``python -m sqlmodel_crud_utils``: the ``sqlmodel-crud`` command line."""

from sqlmodel_crud_utils.cli import main

if __name__ == "__main__":
    main()
