// Where callers beyond this machine reach Vigil: checked once, for the server and for `vigil serve`'s
// usage errors alike.

/**
 * The public URL as the Host and Origin checks will compare it: https, no path, query or
 * credentials. Plain http beyond the machine would send every API key in clear.
 */
export function checkPublicUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`The public URL ${value} is not a URL (give https://host[:port]).`);
  }
  if (url.protocol !== 'https:') throw new Error(`The public URL must be https:// (API keys travel in it), not ${url.protocol}//.`);
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw new Error(`The public URL is an origin only (https://host[:port]), not ${value}.`);
  }
  return url;
}
