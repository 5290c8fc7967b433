import t from 'tap';
import { diagnosticsBundle, redacted } from '../../../src/transfers/bundle.js';
import { boundaryOf, firstFile } from '../../../src/transfers/multipart.js';
import { chargerBaseUrl, fileNameOfUrl, firmwareLocation, forwardPlan, isFileName, parseChargerPath, toFileName } from '../../../src/transfers/names.js';
import { byteRange } from '../../../src/transfers/serve.js';
import { withoutSecrets } from '../../../src/transfers/service.js';

t.test('file names: one safe segment, never a path', async (t) => {
  for (const ok of ['fw-2.0.bin', 'a', 'ABB_Terra+1.tar.gz']) t.ok(isFileName(ok), ok);
  for (const bad of ['', '.hidden', '../etc/passwd', 'a/b', 'a..b', 'x'.repeat(129), 'sp ace']) t.notOk(isFileName(bad), bad);
  t.equal(toFileName('../../etc/passwd', 'f'), '_._etc_passwd', 'no way up');
  t.equal(toFileName('', 'fallback.bin'), 'fallback.bin');
  t.equal(fileNameOfUrl('https://x.example/a/fw%201.bin?sig=1', 'f'), 'fw_1.bin');
  t.equal(fileNameOfUrl('https://x.example/', 'f.bin'), 'f.bin');
});

t.test('locations', async (t) => {
  t.same(firmwareLocation('store:fw.bin'), { kind: 'store', name: 'fw.bin' });
  t.same(firmwareLocation('HTTPS://x/fw'), { kind: 'http', url: 'HTTPS://x/fw' });
  t.same(firmwareLocation('ftp://u:p@x/'), { kind: 'other', scheme: 'ftp' });
  t.same(forwardPlan('http://c/logs/', 'a b.log'), { method: 'PUT', url: 'http://c/logs/a%20b.log', multipart: false });
  t.same(forwardPlan('http://c/upload', 'a.log'), { method: 'POST', url: 'http://c/upload', multipart: true });
  t.same(forwardPlan('ftp://c/logs/', 'a.log'), { unsupported: 'ftp forwarding not supported' });
});

t.test('the URL a charger is given', async (t) => {
  t.equal(chargerBaseUrl('http://gw.lan:8080/', '10.0.0.2', 8080), 'http://gw.lan:8080');
  t.equal(chargerBaseUrl(undefined, '::ffff:192.168.1.10', 8081), 'http://192.168.1.10:8081');
  t.equal(chargerBaseUrl(undefined, 'fe80::1', 80), 'http://[fe80::1]:80');
  t.equal(chargerBaseUrl(undefined, undefined, 80), undefined);
});

t.test('capability paths', async (t) => {
  t.same(parseChargerPath('/firmware/abc_-1/fw.bin'), { kind: 'firmware', token: 'abc_-1', name: 'fw.bin' });
  t.same(parseChargerPath('/uploads/tok/'), { kind: 'upload', token: 'tok' });
  t.same(parseChargerPath('/uploads/tok//diag.zip'), { kind: 'upload', token: 'tok', fileName: 'diag.zip' });
  t.same(parseChargerPath('/uploads/tok'), { kind: 'upload', token: 'tok' });
  for (const none of ['/firmware/fw.bin', '/firmware/tok/', '/firmware/t.k/x', '/api/firmware']) t.equal(parseChargerPath(none), undefined, none);
});

t.test('byte ranges (RFC 9110 §14.1.2)', async (t) => {
  t.same(byteRange('bytes=0-9', 100), { start: 0, end: 9 });
  t.same(byteRange('bytes=90-', 100), { start: 90, end: 99 });
  t.same(byteRange('bytes=-10', 100), { start: 90, end: 99 });
  t.same(byteRange('bytes=50-500', 100), { start: 50, end: 99 });
  t.equal(byteRange('bytes=100-', 100), 'unsatisfiable');
  t.equal(byteRange('bytes=0-1,5-6', 100), undefined, 'several ranges: the whole file');
  t.equal(byteRange(undefined, 100), undefined);
});

t.test('multipart: the first file part', async (t) => {
  t.equal(boundaryOf('multipart/form-data; boundary="ab c"'), 'ab c');
  t.equal(boundaryOf('application/octet-stream'), undefined);
  const body = Buffer.from('--B\r\nContent-Disposition: form-data; name="x"\r\n\r\nfield\r\n--B\r\nContent-Disposition: form-data; name="file"; filename="d.log"\r\n\r\nLOG\r\nBYTES\r\n--B--\r\n');
  const part = firstFile(body, 'B');
  t.equal(part?.fileName, 'd.log');
  t.equal(part?.bytes.toString(), 'LOG\r\nBYTES');
  t.equal(firstFile(Buffer.from('--B\r\nno end'), 'B'), undefined);
});

t.test('the bundle: secrets redacted wherever they sit', async (t) => {
  t.same(redacted({ chargers: { list: [{ id: 'CP1', password: 'p' }] }, http: { token: 't', readToken: 'r' }, security: { localCa: { cert: 'C', key: 'K' } }, upstream: { password: 'x', url: 'ws://c' } }), {
    chargers: { list: [{ id: 'CP1', password: '[redacted]' }] },
    http: { token: '[redacted]', readToken: '[redacted]' },
    security: { localCa: { cert: 'C', key: '[redacted]' } },
    upstream: { password: '[redacted]', url: 'ws://c' },
  });
  const bundle = diagnosticsBundle({ version: '1', at: 'now', config: {}, chargers: [{ id: 'CP1', connectors: [{ connectorId: 1, status: 'Faulted', errorCode: 'GroundFailure' }, { connectorId: 2, status: 'Available', errorCode: 'NoError' }] }], securityEvents: {}, diagnosticsFiles: [] });
  t.same(bundle.faults, [{ chargerId: 'CP1', connectorId: 1, status: 'Faulted', errorCode: 'GroundFailure' }]);
  t.equal(withoutSecrets('ftp://user:pw@h/x/?sig=abc'), 'ftp://h/x/?…');
});
