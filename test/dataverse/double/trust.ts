import tls from 'node:tls';

/**
 * Trusts the identity double's certificate in this process, as an admin's computer trusts Entra
 * ID's: Node's fetch (msal's, jose's, the scripted browser's) then connects to it over verified TLS.
 * Returns the function that puts the previous trust back.
 */
export function trustCertificate(pem: string): () => void {
  const before = tls.getCACertificates('default');
  tls.setDefaultCACertificates([...before, pem]);
  return () => tls.setDefaultCACertificates(before);
}
