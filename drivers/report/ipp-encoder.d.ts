/** Types for ipp-encoder 5 (plain CommonJS, ships none): the parts ipp.ts uses. */
declare module 'ipp-encoder' {
  export type IppValue = string | number | boolean | Date | { lang: string; value: string };

  export interface IppAttribute {
    tag: number;
    name: string;
    /** Decoded attributes always carry an array; an encoded one may give a single value. */
    value: IppValue | IppValue[];
  }

  export interface IppGroup {
    tag: number;
    attributes: IppAttribute[];
  }

  export interface IppMessage {
    version?: { major: number; minor: number };
    requestId: number;
    groups: IppGroup[];
    data?: Buffer;
  }

  export interface IppRequest extends IppMessage {
    operationId: number;
  }

  export interface IppResponse extends IppMessage {
    statusCode: number;
  }

  interface Codec<T> {
    encode(message: T, buffer?: Buffer, offset?: number): Buffer;
    decode(buffer: Buffer, start?: number, end?: number): T & { version: { major: number; minor: number } };
    encodingLength(message: T): number;
  }

  const ipp: {
    CONSTANTS: Record<string, number>;
    STATUS_CODES: Record<number, string>;
    request: Codec<IppRequest>;
    response: Codec<IppResponse>;
  };
  export default ipp;
}
