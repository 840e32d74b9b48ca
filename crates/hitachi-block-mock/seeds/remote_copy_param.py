# coding:utf-8
"""
remote_copy_param

Common parameters of the local and the remote storage systems, imported by
register_remote_storage.py (the Hitachi "register remote storage system"
sample). storkit's version: every value can be overridden by an environment
variable, so a test can point the unmodified sample at mock servers. The
defaults are the values documented with the sample.

    LOCAL_REST_SERVER_IP_ADDR   STORKIT_LOCAL_HOST     192.0.2.100
    LOCAL_PORT                  STORKIT_LOCAL_PORT     443
    LOCAL_STORAGE_MODEL         STORKIT_LOCAL_MODEL    VSP G900
    LOCAL_SERIAL_NUMBER         STORKIT_LOCAL_SERIAL   410000
    REMOTE_REST_SERVER_IP_ADDR  STORKIT_REMOTE_HOST    192.0.2.200
    REMOTE_PORT                 STORKIT_REMOTE_PORT    443
    REMOTE_STORAGE_MODEL        STORKIT_REMOTE_MODEL   VSP G900
    REMOTE_SERIAL_NUMBER        STORKIT_REMOTE_SERIAL  420000
"""

import os

__all__ = [
    "LOCAL_REST_SERVER_IP_ADDR", "LOCAL_PORT", "LOCAL_STORAGE_MODEL",
    "LOCAL_SERIAL_NUMBER", "REMOTE_REST_SERVER_IP_ADDR", "REMOTE_PORT",
    "REMOTE_STORAGE_MODEL", "REMOTE_SERIAL_NUMBER",
]

# The IP address of the REST API server of the local storage system
LOCAL_REST_SERVER_IP_ADDR = os.environ.get("STORKIT_LOCAL_HOST", "192.0.2.100")
# The SSL communication port for the REST API server of the local storage
# system
LOCAL_PORT = int(os.environ.get("STORKIT_LOCAL_PORT", "443"))
# The model name of the local storage system
LOCAL_STORAGE_MODEL = os.environ.get("STORKIT_LOCAL_MODEL", "VSP G900")
# The serial number of the local storage system
LOCAL_SERIAL_NUMBER = int(os.environ.get("STORKIT_LOCAL_SERIAL", "410000"))

# The IP address of the REST API server of the remote storage system
REMOTE_REST_SERVER_IP_ADDR = os.environ.get("STORKIT_REMOTE_HOST",
                                            "192.0.2.200")
# The SSL communication port for the REST API server of the remote storage
# system
REMOTE_PORT = int(os.environ.get("STORKIT_REMOTE_PORT", "443"))
# The model name of the remote storage system
REMOTE_STORAGE_MODEL = os.environ.get("STORKIT_REMOTE_MODEL", "VSP G900")
# The serial number of the remote storage system
REMOTE_SERIAL_NUMBER = int(os.environ.get("STORKIT_REMOTE_SERIAL", "420000"))
