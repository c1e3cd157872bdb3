/**
 * A XAPI failure: the error code and string parameters that travel on the wire
 * (XML-RPC ErrorDescription, JSON-RPC error.message/data, task error_info). Handlers throw it;
 * the transports and the task machinery turn it into the wire shape of xapi-notes §5.
 */
export class XapiFailure extends Error {
  constructor(
    readonly code: string,
    readonly params: string[] = [],
  ) {
    super(`${code}(${params.join(', ')})`);
    this.name = 'XapiFailure';
  }

  /** [code, ...params], the shape of ErrorDescription and error_info. */
  get description(): string[] {
    return [this.code, ...this.params];
  }
}

export function asFailure(err: unknown): XapiFailure {
  if (err instanceof XapiFailure) return err;
  return new XapiFailure('INTERNAL_ERROR', [err instanceof Error ? err.message : String(err)]);
}
