import { builder } from '../builder.ts';
import './enums.ts';
import './user.ts';
import './viewer.ts';
import './product.ts';
import './reporter.ts';
import './report.ts';
import './cvss.ts';
import './case.ts';
import './advisory.ts';
import './mailing.ts';
import './audit.ts';
import './settings.ts';
import './live.ts';
import './intake.ts';
import './thirdparty.ts';

export const schema = builder.toSchema({ sortSchema: true });
