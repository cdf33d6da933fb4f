package im.gateway;

import java.net.URL;
import java.util.UUID;

import im.protocol.ClientFrame;
import im.protocol.ConversationRef;
import im.protocol.ConversationType;
import im.protocol.MessageContent;
import im.protocol.SendRequest;

/** Small builders shared by the gateway tests. */
final class GatewayTestSupport {

    private GatewayTestSupport() {
    }

    static String base(URL url) {
        return url.toString();
    }

    static String uniqueUser(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static ClientFrame sendText(ConversationType type, String to, String text, String clientMsgId) {
        return send(type, to, MessageContent.text(text), clientMsgId);
    }

    static ClientFrame send(ConversationType type, String to, MessageContent content, String clientMsgId) {
        return ClientFrame.send(null, new SendRequest(new ConversationRef(type, to), content, clientMsgId, null, null, null,
                null));
    }
}
