# This file is generated from tests/_async/__init__.py by scripts/unasync.py. Do not edit it by hand.
