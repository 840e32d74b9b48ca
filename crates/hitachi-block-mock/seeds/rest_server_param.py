# coding:utf-8
"""
rest_server_param

The REST API server the Hitachi ShadowImage pair sample (shadowimage_pair.py)
talks to. storkit's version: the values come from environment variables, so a
test can point the unmodified sample at a mock server. The sample does not
document values for this module; the defaults are those of the local storage
system of the remote-copy sample (see remote_copy_param.py), and the same
variables are read.

    REST_SERVER_IP_ADDR  STORKIT_LOCAL_HOST  192.0.2.100
    REST_SERVER_PORT     STORKIT_LOCAL_PORT  443
"""

import os

__all__ = ["REST_SERVER_IP_ADDR", "REST_SERVER_PORT"]

# The IP address of the REST API server
REST_SERVER_IP_ADDR = os.environ.get("STORKIT_LOCAL_HOST", "192.0.2.100")
# The SSL communication port of the REST API server
REST_SERVER_PORT = int(os.environ.get("STORKIT_LOCAL_PORT", "443"))
