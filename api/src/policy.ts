// The platform's policy as one value, read by requests and background jobs:
// who publishes (CSAF), where live incidents go, the PSIRT as a CNA, and the
// manufacturer's CRA settings.

import { type CraOptions, type CraSettings, craSettings } from './cra/settings.ts';
import { cnaSettings } from './cve/record.ts';

export interface PolicyOptions {
  publisher?: { name?: string; namespace?: string; contactDetails?: string };
  supportContact?: string;
  cve?: Parameters<typeof cnaSettings>[0];
  cra?: CraOptions;
}

export function platformPolicy(deps: PolicyOptions) {
  const publisher = {
    name: deps.publisher?.name ?? 'Example Vendor PSIRT',
    namespace: deps.publisher?.namespace ?? 'https://psirt.example.com',
    contactDetails: deps.publisher?.contactDetails ?? 'psirt@example.com',
  };
  return {
    supportContact: deps.supportContact ?? 'your customer-support contact',
    publisher,
    cna: cnaSettings(deps.cve, publisher),
    cra: craSettings(deps.cra) satisfies CraSettings,
  };
}
