// A real OAuth 2.0 / OpenID Connect server for the sign-in tests: panva oidc-provider with its
// built-in login and consent pages (devInteractions: any user name and password is accepted).
//
//   OIDC_PORT=0 OIDC_PORT_FILE=/tmp/port ACCESS_TTL=5 node server.mjs
//
// OIDC_PORT 0 (the default) takes a free port, so test sessions can run side by side; the port
// is printed and, with OIDC_PORT_FILE, written to that file once the server is listening.
// Settings follow the verified recipe in shared/reference/real-servers/README.md, traps included:
// clockTolerance 0 (otherwise expired tokens are accepted for 15 s more), a native public client
// with PKCE, refresh tokens only with prompt=consent, and rotating refresh tokens.
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
import { Provider } from 'oidc-provider';

const HOST = '127.0.0.1';
const ACCESS_TTL = Number(process.env.ACCESS_TTL || 5); // seconds: short, to exercise refresh

const configuration = {
  clients: [{
    client_id: 'desktop-app',
    application_type: 'native', // RFC 8252: a loopback http redirect, any port
    token_endpoint_auth_method: 'none', // a public client: no secret ships with the app
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: ['http://127.0.0.1/callback'],
  }],
  pkce: { required: () => true }, // S256 is the only method oidc-provider 9 offers
  scopes: ['openid', 'offline_access', 'profile', 'email', 'presence.read'],
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    email: ['email', 'email_verified'], // LinkedIn's sign-in asks for openid profile email
  },
  features: {
    devInteractions: { enabled: true },
    revocation: { enabled: true },
  },
  // Rotate every refresh token; reusing a rotated-out one revokes the whole grant.
  rotateRefreshToken: true,
  ttl: {
    AccessToken: ACCESS_TTL,
    AuthorizationCode: 60,
    IdToken: 3600,
    RefreshToken: 24 * 3600,
    Grant: 24 * 3600,
    Interaction: 600,
    Session: 3600,
  },
  clockTolerance: 0,
  cookies: { keys: ['test-cookie-key-not-secret'] },
  async findAccount(ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return {
          sub, name: `User ${sub}`, preferred_username: sub,
          email: `${sub}@example.org`, email_verified: true,
        };
      },
    };
  },
};

const server = createServer();
server.listen(Number(process.env.OIDC_PORT || 0), HOST, () => {
  const { port } = server.address();
  const issuer = `http://${HOST}:${port}`;
  const provider = new Provider(issuer, configuration);
  provider.on('server_error', (ctx, err) => console.error('server_error', err));
  server.on('request', provider.callback());
  if (process.env.OIDC_PORT_FILE) writeFileSync(process.env.OIDC_PORT_FILE, `${port}\n`);
  console.log(`oidc-provider listening on ${issuer}`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
