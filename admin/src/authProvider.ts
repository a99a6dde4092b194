// Signing in and out through PostFlow's own mutations with `cookie: true`: the server sets (or clears) the HttpOnly,
// SameSite=Strict session cookie and answers no token, so nothing secret is ever held by the page or its storage.
// Who is signed in is asked of the server (`me`); an UNAUTHENTICATED answer (401, see graphql.ts) means signed out.
import type { AuthProvider, UserIdentity } from 'react-admin';
import { errorCode, gql } from './graphql';
import { closeLiveClient } from './live';

/** What the login page hands to useLogin(): a sign-in (code once TWO_FACTOR_REQUIRED asked for it) or a sign-up. */
export type LoginParams = { mode: 'login'; email: string; password: string; code?: string } | { mode: 'signup'; email: string; password: string; workspaceName: string };

export interface Identity extends UserIdentity {
  email: string;
  workspace: { id: string; name: string };
}

const LOGIN = `mutation Login($email: String!, $password: String!, $code: String) {
  login(email: $email, password: $password, code: $code, cookie: true) { token }
}`;
const SIGNUP = `mutation Signup($email: String!, $password: String!, $workspaceName: String!) {
  signup(email: $email, password: $password, workspaceName: $workspaceName, cookie: true) { token }
}`;

export const authProvider: AuthProvider = {
  async login(params: LoginParams) {
    closeLiveClient();
    if (params.mode === 'signup') await gql(SIGNUP, { email: params.email, password: params.password, workspaceName: params.workspaceName });
    else await gql(LOGIN, { email: params.email, password: params.password, code: params.code || null });
  },

  async logout() {
    closeLiveClient();
    try {
      await gql('mutation Logout { logout }');
    } catch (error) {
      // Already signed out (an ended session, a password changed elsewhere): nothing left to end.
      if (errorCode(error) !== 'UNAUTHENTICATED') throw error;
    }
  },

  async checkAuth() {
    try {
      await gql('query Me { me { id } }');
    } catch (error) {
      // Not signed in (yet): the login page, without a notification saying so.
      if (errorCode(error) === 'UNAUTHENTICATED') throw { message: false };
      throw error;
    }
  },

  async checkError(error: { status?: number }) {
    // Only a refused session signs out; FORBIDDEN (a role too low for one action) keeps the person signed in.
    if (error?.status === 401) throw error;
  },

  async getIdentity(): Promise<Identity> {
    const data = await gql<{ me: { id: string; email: string }; workspace: { id: string; name: string } }>('query Identity { me { id email } workspace { id name } }');
    return { id: data.me.id, fullName: data.me.email, email: data.me.email, workspace: data.workspace };
  },
};
