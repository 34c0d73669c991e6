/** The development certificate authority, the identities it issued, and the broker ACL that follows them. */
export { CertificateAuthority, type IssuedCertificate } from './authority.ts';
export { aclFor, kioskReads, kioskWrites } from './acl.ts';
export { CaError, caErrorCodes, caInputErrors, isCaError, type CaErrorCode } from './errors.ts';
export { caFiles, type CaFiles } from './files.ts';
export { assertName, assertRole, isRole, roles, type Identity, type Registry, type Role } from './registry.ts';
export { reloadBroker, type BrokerReload } from './reload.ts';
