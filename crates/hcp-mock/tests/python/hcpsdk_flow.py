"""Python hcpsdk 0.9.5 (unmodified) against the HCP mock: object I/O, namespace information,
MAPI replication, tenants, logs and chargeback. Every check raises on failure; the last line
printed is `HCPSDK FLOW OK`.

usage: hcpsdk_flow.py DNS_IP DNS_PORT DOMAIN CA_FILE DATA_PORT MAPI_PORT WORK_DIR
"""

import datetime
import io
import json
import ssl
import sys
import zipfile

import dns.resolver
import hcpsdk
import hcpsdk.mapi
import hcpsdk.namespace

dns_ip, dns_port, domain, cafile, data_port, mapi_port, workdir = sys.argv[1:8]


def check(condition, what):
    if not condition:
        raise AssertionError(what)
    print('ok  ' + what)


def raises(exc, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except exc as e:
        return e
    raise AssertionError('{} did not raise {}'.format(fn, exc))


# hcpsdk's default (dnscache=False) asks dnspython's default resolver: point it at the mock.
resolver = dns.resolver.Resolver(configure=False)
resolver.nameservers = [dns_ip]
resolver.port = int(dns_port)
dns.resolver.default_resolver = resolver

# Trust the mock's CA; hcpsdk connects by IP and sends no SNI, so no hostname check.
ctx = ssl.create_default_context(cafile=cafile)
ctx.check_hostname = False

# --- objects ---------------------------------------------------------------------------
auth = hcpsdk.NativeAuthorization('n', 'n01')
t = hcpsdk.Target('n1.m.' + domain, auth, port=int(data_port), sslcontext=ctx)
check(t.ssl, 'the data port is TLS for hcpsdk')
check(len(t.addresses) == 4, 'the namespace name resolves to 4 nodes: {}'.format(t.addresses))
c = hcpsdk.Connection(t)

r = c.PUT('/rest/hcpsdk/test1.txt', body=b'This is an example',
          params={'index': 'true', 'shred': 'true'})
check(c.response_status == 201, 'PUT bytes -> 201 ({})'.format(c.response_status))
check(c.getheader('X-HCP-Hash') ==
      'SHA-256 47FB563CC8F86DC37C86D08BC542968F7986ACD81C97BF76DB7AD744407FE117', 'PUT hash')
check(c.getheader('ETag') == '"68791e1b03badd5e4eb9287660f67745"', 'PUT etag')
check(c.getheader('Location') == '/rest/hcpsdk/test1.txt', 'PUT location')

c.PUT('/rest/hcpsdk/test1.txt', body=b'again')
check(c.response_status == 409, 'PUT onto an existing object -> 409')

c.HEAD('/rest/hcpsdk/test1.txt')
check(c.response_status == 200, 'HEAD -> 200')
names = [name.lower() for name, _ in c.getheaders()]
check(names[:6] == ['date', 'server', 'x-requestid', 'x-hcp-servicedbysystem', 'x-hcp-time',
                    'x-hcp-softwareversion'], 'HEAD starts with the every-response headers')
check(names.index('etag') < names.index('content-type') < names.index('x-hcp-type')
      < names.index('x-hcp-hash') < names.index('last-modified'), 'HEAD headers in seed order')
check(c.getheader('X-HCP-Size') == '18', 'HEAD size')
check(c.getheader('Content-Length') == '18', 'HEAD content length')
check(c.getheader('X-HCP-Shred') == 'true', 'HEAD shred reflects the PUT')
check(c.getheader('X-HCP-Index') == 'true', 'HEAD index reflects the PUT')
check(c.getheader('X-HCP-Owner') == 'n', 'HEAD owner')
check(c.getheader('X-HCP-ServicedBySystem') == domain, 'serviced by the system')

r = c.GET('/rest/hcpsdk/test1.txt')
check(c.response_status == 200, 'GET -> 200')
check(c.read() == b'This is an example', 'GET body')
check(c.read() == b'', 'GET body ends')

with open(workdir + '/upload.bin', 'wb') as f:
    f.write(bytes(range(256)) * 600)
with open(workdir + '/upload.bin', 'rb') as f:
    c.PUT('/rest/hcpsdk/from file.bin', body=f, params={'retention': 'A+10y'})
check(c.response_status == 201, 'PUT file object (chunked) -> 201')
c.HEAD('/rest/hcpsdk/from file.bin')
check(c.getheader('X-HCP-Size') == str(256 * 600), 'chunked upload stored whole')
check(c.getheader('X-HCP-RetentionString') != 'Deletion Allowed', 'retention A+10y applied')

c.DELETE('/rest/hcpsdk/from file.bin')
check(c.response_status == 403, 'DELETE under retention -> 403')
c.DELETE('/rest/hcpsdk/from file.bin', params={'privileged': 'true', 'reason': 'test cleanup'})
check(c.response_status == 200, 'privileged DELETE with a reason -> 200')

c.PUT('/rest/hcpsdk/a b+c.txt', body=b'spaces and plus')
check(c.response_status == 201, 'PUT a name with a blank and a plus')
c.POST('/rest/hcpsdk/a b+c.txt', params={'index': 'false'})
check(c.response_status == 200, 'POST system metadata -> 200')
c.read()
c.HEAD('/rest/hcpsdk/a b+c.txt')
check(c.getheader('X-HCP-Index') == 'false', 'POST changed index')

c.PUT('/rest/hcpsdk/dir1', params={'type': 'directory'})
check(c.response_status == 201, 'PUT directory -> 201')
c.GET('/rest/hcpsdk')
listing = c.read().decode()
check(c.getheader('X-HCP-Type') == 'directory', 'GET directory -> listing')
check('utf8Name="a b+c.txt"' in listing and 'utf8Name="dir1"' in listing, 'listing entries')

c.DELETE('/rest/hcpsdk/test1.txt')
check(c.response_status == 200, 'DELETE -> 200')
c.HEAD('/rest/hcpsdk/test1.txt')
check(c.response_status == 404, 'HEAD after DELETE -> 404')
c.close()

bad = hcpsdk.Target('n1.m.' + domain, hcpsdk.NativeAuthorization('n', 'wrong'),
                    port=int(data_port), sslcontext=ctx)
cb = hcpsdk.Connection(bad)
cb.HEAD('/rest/hcpsdk/a b+c.txt')
check(cb.response_status == 403, 'bad password -> 403')
check(cb.getheader('X-HCP-ErrorMessage') is not None, '403 carries X-HCP-ErrorMessage')
cb.close()

ad = hcpsdk.Target('n1.m.' + domain, hcpsdk.NativeADAuthorization('lgreen@example.com', 'p4ssw0rd'),
                   port=int(data_port), sslcontext=ctx)
ca = hcpsdk.Connection(ad)
ca.HEAD('/rest/hcpsdk/a b+c.txt')
check(ca.response_status == 200, 'AD authorization -> 200')
ca.close()

# --- the legacy default namespace (hcpsdk's appendix 1) -----------------------------------
dt = hcpsdk.Target('default.default.' + domain, hcpsdk.DummyAuthorization(),
                   port=int(data_port), sslcontext=ctx)
check(len(dt.addresses) == 4, 'default.default resolves to every node')
dc = hcpsdk.Connection(dt)
dc.PUT('/fcfs_data/hcpsdk/test1.txt', body=b'This is an example', params={'index': 'true'})
check(dc.response_status == 201, 'default namespace PUT with DummyAuthorization -> 201')
dc.HEAD('/fcfs_data/hcpsdk/test1.txt')
check(dc.response_status == 200, 'default namespace HEAD -> 200')
names = [name.lower() for name, _ in dc.getheaders()]
check(names == ['date', 'server', 'x-arcservicedbysystem', 'x-arcclustertime', 'x-requestid',
                'x-hcp-servicedbysystem', 'x-hcp-time', 'x-hcp-softwareversion', 'etag',
                'cache-control', 'pragma', 'expires', 'content-type', 'content-length',
                'x-arcpermissionsuidgid', 'x-arctimes', 'x-arcsize'],
      'default namespace HEAD headers as in the appendix: {}'.format(names))
check(dc.getheader('X-ArcSize') == '18', 'X-ArcSize')
check(dc.getheader('X-ArcPermissionsUidGid') == 'mode=0100400; uid=0; gid=0', 'X-ArcPermissionsUidGid')
dc.GET('/fcfs_data/hcpsdk/test1.txt')
check(dc.read() == b'This is an example', 'default namespace GET')
dc.GET('/fcfs_metadata/hcpsdk/test1.txt/core-metadata.xml')
core = dc.read().decode()
check(dc.response_status == 200 and '<size>18</size>' in core, 'core-metadata.xml')
dc.DELETE('/fcfs_data/hcpsdk/test1.txt')
check(dc.response_status == 200, 'default namespace DELETE -> 200')
dc.close()

# --- namespace information ---------------------------------------------------------------
info = hcpsdk.namespace.Info(t)
stats = info.nsstatistics()
check(len(stats) == 9, 'nsstatistics has 9 keys')
check(stats['namespaceName'] == 'n1' and stats['objectCount'] == 1, 'nsstatistics counts: {}'.format(stats))
check(stats['totalCapacityBytes'] == 53687091200, 'nsstatistics ints')
every = info.listaccessiblens(all=True)
check(sorted(every) == ['n1', 'n2'], 'listaccessiblens(all=True) -> n1, n2')
check(every['n1']['description'] == ['replicated', 'search', 'no versioning'], 'description split on °')
check(every['n1']['searchEnabled'] is True and every['n1']['dpl'] == 2, 'namespace attributes cast')
single = info.listaccessiblens()
check(list(single) == ['n1'], 'listaccessiblens() -> only the Host\'s namespace')
classes = info.listretentionclasses()
check(classes['TAX_DATA']['value'] == 'A+10y' and classes['TAX_DATA']['autoDelete'] is True,
      'retention class TAX_DATA')
check(classes['deletion_prohibited']['value'] == -1, 'retention class value cast')
perms = info.listpermissions()
check(sorted(perms) == sorted(['namespacePermissions', 'namespaceEffectivePermissions',
                               'userPermissions', 'userEffectivePermissions']), 'permissions tags')
check(all(v is True for d in perms.values() for v in d.values()), 'permissions are bools')

# --- MAPI ----------------------------------------------------------------------------------
mt = hcpsdk.Target('admin.' + domain, hcpsdk.NativeAuthorization('service', 'service01'),
                   port=int(mapi_port), sslcontext=ctx)
rep = hcpsdk.mapi.Replication(mt)
settings = rep.getreplicationsettings()
check(settings['enableDNSFailover'] == 'true' and settings['network'] == '[hcp_system]',
      'getreplicationsettings')
links = rep.getlinklist()
check(links == ['hcp1--<-->--hcp2', 'hcp1-to-hcp3'], 'getlinklist: {}'.format(links))
details = rep.getlinkdetails('hcp1--<-->--hcp2')
check(details['name'] == 'hcp1--<-->--hcp2' and details['type'] == 'ACTIVE_ACTIVE', 'link details')
check(details['connection']['localPort'] == '5748', 'link connection (compact XML)')
check(details['failoverSettings']['local']['autoFailover'] == 'false', 'three levels deep')
check(details['suspended'] == 'false', 'not suspended')

aa = 'hcp1--<-->--hcp2'
rep.setreplicationlinkstate(aa, rep.R_FAILOVER, linktype=rep.R_ACTIVE_ACTIVE)
check(rep.getlinkdetails(aa)['statusMessage'] == 'Failed over', 'failOver')
rep.setreplicationlinkstate(aa, rep.R_FAILBACK, linktype=rep.R_ACTIVE_ACTIVE)
e = raises(hcpsdk.HcpsdkError, rep.setreplicationlinkstate, aa, rep.R_FAILBACK,
           linktype=rep.R_ACTIVE_ACTIVE)
check(str(e) == '400 - Bad Request (link not failed over)', 'failBack twice: {}'.format(e))
rep.setreplicationlinkstate(aa, rep.R_SUSPEND)
check(rep.getlinkdetails(aa)['suspended'] == 'true', 'suspend')
rep.setreplicationlinkstate(aa, rep.R_RESUME)
rep.setreplicationlinkstate(aa, rep.R_RESTORE)
ob = 'hcp1-to-hcp3'
rep.setreplicationlinkstate(ob, rep.R_FAILOVER, linktype=rep.R_OUTBOUND)
rep.setreplicationlinkstate(ob, rep.R_BEGINRECOVERY, linktype=rep.R_OUTBOUND)
rep.setreplicationlinkstate(ob, rep.R_COMPLETERECOVERY, linktype=rep.R_OUTBOUND)
check(rep.getlinkdetails(ob)['statusMessage'] == 'Synchronizing data', 'outbound recovery')

tenants = hcpsdk.mapi.listtenants(mt)
check([x.name for x in tenants] == ['m'], 'listtenants')
tinfo = tenants[0].info()
check(tinfo['name'] == 'm' and tinfo['softQuota'] == 85, 'Tenant.info')
tenants[0].close()

logs = hcpsdk.mapi.Logs(mt)
logs.mark('hello from hcpsdk')
logs.prepare(startdate=datetime.date(2017, 3, 1), enddate=datetime.date(2017, 3, 21))
raises(hcpsdk.mapi.LogsInProgessError, logs.prepare)
status = logs.status()
for _ in range(20):
    if status['readyForStreaming']:
        break
    status = logs.status()
check(status['readyForStreaming'] is True and status['content'] == list(logs.L_ALL),
      'logs status: {}'.format(status))
hdl, filename = logs.download()
check(filename.startswith('HCPLogs-') and filename.endswith('.zip'), 'download file name ' + filename)
archive = zipfile.ZipFile(io.BytesIO(hdl.read()))
check(len(archive.namelist()) == 4, 'download is a zip of 4 logs')
check(b'hello from hcpsdk' in archive.read('access.log'), 'the mark is in the logs')
check(logs.cancel() is True, 'cancel')
logs.close()

charge = hcpsdk.mapi.Chargeback(mt)
report = json.load(charge.request('m', granularity=charge.CBG_TOTAL, fmt=charge.CBM_JSON))
check(report['chargebackData'][0]['namespaceName'] == 'n1', 'chargeback JSON')
check(report['chargebackData'][-1]['objectCount'] == 1, 'chargeback totals')
csv = charge.request('m', fmt=charge.CBM_CSV).read()
check(csv.startswith('systemName,'), 'chargeback CSV')
charge.close()

print('HCPSDK FLOW OK')
