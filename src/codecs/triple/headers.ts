/**
 * Dubbo 3 Triple's own request headers (org.apache.dubbo.rpc.protocol.tri.TripleHeaderEnum
 * in Dubbo 3.3): a Triple call is a gRPC call carrying these besides gRPC's. What a Java
 * Dubbo 3.3.6 consumer sends (seen in tests):
 *
 *   :path /com.example.triple.Greeter/greet       content-type application/grpc+proto
 *   grpc-timeout 3000000u    tri-service-version 1.0.0    tri-service-group blue
 *   tri-consumer-appname pmesh-triple-consumer    te trailers
 *
 * in both modes: protobuf (the message itself) and the wrapped "non-IDL" mode (a
 * TripleRequestWrapper holding Hessian2 arguments), which differ only in the body.
 */
export const TRI_SERVICE_VERSION = 'tri-service-version';
export const TRI_SERVICE_GROUP = 'tri-service-group';
/** Milliseconds, a plain integer; the deadline of callers that send no grpc-timeout (Triple's HTTP and JSON callers). */
export const TRI_SERVICE_TIMEOUT = 'tri-service-timeout';
/** Triple servers take unary calls with JSON bodies on the same path (Dubbo 3.3's HTTP support). */
export const JSON_CONTENT_TYPE = 'application/json';
/** Header prefixes the mesh writes into a Triple call; a bridged caller may not set them. */
export const RESERVED_PREFIXES = ['tri-', 'grpc-', ':'];

/** `tri-service-timeout` in milliseconds, or undefined when absent or not a positive integer. */
export function parseServiceTimeout(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,10}$/.test(value)) return undefined;
  const ms = Number(value);
  return ms > 0 ? ms : undefined;
}
