// Where an invitation's link points: members.ts writes it, the console's route (src/server/consoleRoutes.ts) answers it.
export const INVITATIONS_PATH = '/invitations';

/** The link for an invitation's token on this server, as shown once and mailed. */
export const invitationLink = (publicUrl: string, token: string): string => `${publicUrl}${INVITATIONS_PATH}/${token}`;
