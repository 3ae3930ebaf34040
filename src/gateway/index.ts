/** The platform protocol: signing, amounts, channels, wire shapes and the HTTP client. No Temporal, no Fastify. */
export * from './amount';
export * from './callback';
export * from './channels';
export * from './client';
export * from './signing';
export * from './types';
