# coding:utf-8
"""
storage_param

The storage system the Hitachi ShadowImage pair sample (shadowimage_pair.py)
operates on. storkit's version: the values come from environment variables,
so a test can point the unmodified sample at a mock server. The sample does
not document values for this module; the defaults are those of the local
storage system of the remote-copy sample (see remote_copy_param.py), and the
same variables are read.

    STORAGE_MODEL  STORKIT_LOCAL_MODEL   VSP G900
    SERIAL_NUMBER  STORKIT_LOCAL_SERIAL  410000
"""

import os

__all__ = ["STORAGE_MODEL", "SERIAL_NUMBER"]

# The model name of the storage system
STORAGE_MODEL = os.environ.get("STORKIT_LOCAL_MODEL", "VSP G900")
# The serial number of the storage system
SERIAL_NUMBER = int(os.environ.get("STORKIT_LOCAL_SERIAL", "410000"))
