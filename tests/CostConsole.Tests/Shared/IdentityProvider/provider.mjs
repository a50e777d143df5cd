// The OpenID provider the sign-in tests run: the npm package oidc-provider (an OpenID-certified implementation),
// configured with the test's clients and a user store the test writes (and may rewrite while it runs: it is read
// afresh at every login and every claims lookup, like a directory whose groups an admin edits).
//
//   node provider.mjs --port 4100 --issuer http://localhost:4100 --users users.json --clients clients.json [--publish-wrong-keys]
//
// users.json:   [{ "id": "u1", "email": "a@example.test", "name": "A", "password": "pw", "groups": ["g1"] }]
//               (no "email": the provider sends none; "email_verified" defaults to true)
// clients.json: [{ "client_id": "...", "client_secret": "...", "redirect_uris": [...], "post_logout_redirect_uris": [...] }]
// --publish-wrong-keys: tokens are signed with one key while /jwks publishes another (a token "signed with an unknown key").
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

const option = (name) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : undefined; };
const port = Number(option('port'));
const issuer = option('issuer') ?? `http://localhost:${port}`;
const usersFile = option('users');
const clients = JSON.parse(readFileSync(option('clients'), 'utf8')).map((c) => ({
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_post',
  ...c,
}));
const publishWrongKeys = process.argv.includes('--publish-wrong-keys');

const users = () => JSON.parse(readFileSync(usersFile, 'utf8'));
const signingKey = () => ({
  ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
  use: 'sig', alg: 'RS256', kid: randomBytes(8).toString('hex'),
});
const publicPart = ({ kty, n, e, use, alg, kid }) => ({ kty, n, e, use, alg, kid });
const signing = signingKey();
const stranger = signingKey();
const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const provider = new Provider(issuer, {
  clients,
  jwks: { keys: [signing] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
  // Entra ID, Okta and Keycloak put the groups in the ID token too, not only behind userinfo.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Sign out</title></head><body>
          <h1>Sign out of the test provider?</h1>${form}
          <button id="logout-yes" type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button></body></html>`;
      },
    },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const user = users().find((u) => u.id === id);
    if (!user) return undefined;
    return {
      accountId: id,
      async claims() {
        const claims = { sub: id, name: user.name, groups: user.groups ?? [] };
        if (user.email) Object.assign(claims, { email: user.email, email_verified: user.email_verified ?? true });
        return claims;
      },
    };
  },
});
provider.on('server_error', (ctx, error) => console.error('server_error', error));

const loginPage = (uid, message) => `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Test provider sign-in</title></head><body>
  <h1>Test provider</h1>${message ? `<p id="error">${escape(message)}</p>` : ''}
  <form method="post" action="/interaction/${escape(uid)}/login">
    <label>Login <input id="login" name="login" autocomplete="username"></label>
    <label>Password <input id="password" name="password" type="password"></label>
    <button id="submit" type="submit">Sign in</button>
  </form></body></html>`;

const readForm = (req) => new Promise((resolve, reject) => {
  let body = '';
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => resolve(new URLSearchParams(body)));
  req.on('error', reject);
});

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'consent') {
    // First-party clients: consent is given on the user's behalf, as a company's provider does for its own apps.
    const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = details.prompt.details;
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
    await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
    return;
  }

  if (action === 'login' && req.method === 'POST') {
    const form = await readForm(req);
    const user = users().find((u) => (u.email ?? u.id) === form.get('login') || u.id === form.get('login'));
    if (!user || user.password !== form.get('password')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginPage(uid, 'Wrong login or password.'));
      return;
    }

    await provider.interactionFinished(req, res, { login: { accountId: user.id } }, { mergeWithLastSubmission: false });
    return;
  }

  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(loginPage(uid));
}

const callback = provider.callback();
http.createServer(async (req, res) => {
  const path = new URL(req.url, issuer).pathname;
  const match = path.match(/^\/interaction\/([^/]+)(?:\/(login))?$/);
  try {
    if (match) {
      await interaction(req, res, match[1], match[2]);
    } else if (publishWrongKeys && path === '/jwks') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicPart(stranger)] }));
    } else {
      callback(req, res);
    }
  } catch (error) {
    console.error(error);
    if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
    res.end(`test provider: ${error.message}`);
  }
}).listen(port, '127.0.0.1', () => console.log(`listening ${issuer}`));
