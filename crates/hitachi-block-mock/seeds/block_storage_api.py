# coding:utf-8
"""
block_storage_api

URL builder for the Hitachi Configuration Manager REST API (block storage),
imported by the sample programs in this directory as
``from block_storage_api import BlockStorageAPI``.

storkit's own implementation, written from the project's protocol reference
for Hitachi block storage (section 3 "The BlockStorageAPI helper the seeds
import" and section 4 "storageDeviceId"). Hitachi publishes only the model
table, the attribute names and the URL patterns of its block_storage_api.py;
the method bodies below are the project's reading of how the samples use them.

All object URLs use the long form
    https://<host>:<port>/ConfigurationManager/v1/objects/storages/<sdid>
which both the Configuration Manager server and the embedded REST server
accept.
"""

# Model name -> storageDeviceId prefix.
# The first group is the official sample table (Hitachi Command Suite
# Configuration Manager REST API reference, sample block_storage_api.py);
# the rest completes it with every model of the reference's extended table.
STORAGE_MODEL_DICT = {
    # Official sample table.
    "VSP E990": "936000",
    "VSP 5500H": "900000",
    "VSP G900": "886000",
    "VSP G800": "836000",
    "VSP G1500": "800000",
    "HUS VM": "730000",
    "VSP": "7000000",
    # VSP G1000, G1500, F1500.
    "VSP G1000": "800000",
    "VSP F1500": "800000",
    # VSP G100, G200.
    "VSP G100": "832000",
    "VSP G200": "832000",
    # VSP G400, F400, G600, F600.
    "VSP G400": "834000",
    "VSP F400": "834000",
    "VSP G600": "834000",
    "VSP F600": "834000",
    # VSP G800, F800.
    "VSP F800": "836000",
    # VSP G130.
    "VSP G130": "880000",
    # VSP G150, G350, F350.
    "VSP G150": "882000",
    "VSP G350": "882000",
    "VSP F350": "882000",
    # VSP G370, F370, G700, F700, G900, F900.
    "VSP G370": "886000",
    "VSP F370": "886000",
    "VSP G700": "886000",
    "VSP F700": "886000",
    "VSP F900": "886000",
    # VSP 5000 series (5100, 5200, 5500, 5600 and their H models).
    "VSP 5100": "900000",
    "VSP 5100H": "900000",
    "VSP 5200": "900000",
    "VSP 5200H": "900000",
    "VSP 5500": "900000",
    "VSP 5600": "900000",
    "VSP 5600H": "900000",
    # VSP E series.
    "VSP E390": "934000",
    "VSP E590": "934000",
    "VSP E790": "934000",
    "VSP E1090": "938000",
    # VSP One B20 family (B24, B26, B28).
    "VSP One B20": "A34000",
    "VSP One B24": "A34000",
    "VSP One B26": "A34000",
    "VSP One B28": "A34000",
}

# Serial numbers are zero-padded to this many digits so that the
# storageDeviceId has 12 characters (VSP: 7-character prefix + 5 digits).
SERIAL_NUMBER_DIGITS = 6
SERIAL_NUMBER_DIGITS_BY_MODEL = {"VSP": 5}

API_VERSION = "v1"


class BlockStorageAPI():
    """
    Builds the URLs of the REST API server of one storage system.

    @param svp_ip_addr host name or IP address of the REST API server
    @param port TCP port of the REST API server (HTTPS)
    @param storage_model model name, a key of STORAGE_MODEL_DICT
    @param serial_number serial number of the storage system (int or str)
    """

    def __init__(self, svp_ip_addr, port, storage_model, serial_number):
        if storage_model not in STORAGE_MODEL_DICT:
            raise ValueError("Unknown storage model: " + str(storage_model) +
                             " (known: " +
                             ", ".join(sorted(STORAGE_MODEL_DICT)) + ")")
        self.svp_ip_addr = svp_ip_addr
        self.port = port
        digits = SERIAL_NUMBER_DIGITS_BY_MODEL.get(storage_model,
                                                   SERIAL_NUMBER_DIGITS)
        self.storage_id = (STORAGE_MODEL_DICT[storage_model] +
                           str(serial_number).strip().zfill(digits))
        host = str(svp_ip_addr)
        if ":" in host and not host.startswith("["):
            # An IPv6 literal must be bracketed in a URL.
            host = "[" + host + "]"
        self.server_url = "https://" + host + ":" + str(port)
        self.base_url = self.server_url + "/ConfigurationManager"
        self.object_url = (self.base_url + "/" + API_VERSION +
                           "/objects/storages/" + self.storage_id)
        self.service_url = (self.base_url + "/" + API_VERSION + "/" +
                            self.storage_id + "/services")

    def get_storage_id(self):
        """The storageDeviceId: model prefix + zero-padded serial."""
        return self.storage_id

    def api_version(self):
        """GET: version of the REST API (no authentication needed)."""
        return self.base_url + "/configuration/version"

    def generate_session(self):
        """POST (Basic authentication): create a session."""
        return self.object_url + "/sessions"

    def discard_session(self, session_id):
        """DELETE: discard a session (session_id may be an int)."""
        return self.object_url + "/sessions/" + str(session_id)

    def job(self, job_id):
        """GET: one job."""
        return self.object_url + "/jobs/" + str(job_id)

    def remote_storage(self):
        """POST: register a remote storage system."""
        return self.object_url + "/remote-storages"

    def local_copy_pairs(self):
        """POST: create a local clone (ShadowImage) copy pair."""
        return self.object_url + "/local-clone-copypairs"

    def affected_resource(self, affected_resource):
        """
        URL of an entry of a job's affectedResources, which is a
        server-absolute path (/ConfigurationManager/...).
        """
        return self.server_url + affected_resource

    def split_local_copy_pair_template(self, pair_url):
        """GET: the action template for splitting a local copy pair."""
        return pair_url + "/actions/split"

    def split_local_copy_pair(self, pair_url):
        """PUT: split a local copy pair (invoke the split action)."""
        return pair_url + "/actions/split/invoke"
