// Assembles the schema: importing each domain file registers its types on the one builder.
import { builder } from './builder.js';
import './auth.js';
import './channel.js';
import './connect.js';
import './network.js';
import './delivery.js';
import './deliveryQueries.js';
import './analytics.js';
import './post.js';
import './scheduling.js';
import './members.js';
import './plans.js';
import './billing.js';
import './audit.js';
import './approval.js';
import './previewLinks.js';
import './workspace.js';
import './notification.js';
import './source.js';
import './shopify.js';

export const schema = builder.toSchema();
