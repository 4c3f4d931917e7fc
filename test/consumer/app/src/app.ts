import { App } from 'aws-cdk-lib';
import { ShopStack } from './shop-stack';

const app = new App();
new ShopStack(app, 'Shop', { env: { account: '123456789012', region: 'us-east-1' } });
app.synth();
