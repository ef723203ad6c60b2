import { expect } from 'chai';
import { isLinkLocalHost, isLoopbackHost } from '../../src/util/net.js';

describe('util/net', () => {
  it('knows loopback hosts in every notation', () => {
    for (const h of ['localhost', '127.0.0.1', '127.8.9.10', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) expect(isLoopbackHost(h), h).to.equal(true);
    for (const h of ['app.zivver.com', '10.0.0.1', '128.0.0.1', '::2', '169.254.169.254']) expect(isLoopbackHost(h), h).to.equal(false);
  });

  it('knows link-local hosts (the managed-identity endpoint)', () => {
    for (const h of ['169.254.169.254', 'fe80::1', '[fe80::abcd]']) expect(isLinkLocalHost(h), h).to.equal(true);
    for (const h of ['127.0.0.1', '10.169.254.1', 'fec0::1', 'app.zivver.com']) expect(isLinkLocalHost(h), h).to.equal(false);
  });
});
