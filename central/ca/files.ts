import path from 'node:path';

/** Where everything lives in a CA folder, which is also the TLS broker's data folder. */
export function caFiles(dir: string) {
  const at = (name: string) => path.join(path.resolve(dir), name);
  return {
    dir: path.resolve(dir),
    caCert: at('ca.crt'),
    caKey: at('ca.key'),
    registry: at('registry.json'),
    acl: at('acl'),
    serverCert: at('server.crt'),
    serverKey: at('server.key'),
    brokerConfig: at('mosquitto.conf'),
    brokerPid: at('mosquitto.pid'),
    lock: at('.lock'),
  };
}
export type CaFiles = ReturnType<typeof caFiles>;
